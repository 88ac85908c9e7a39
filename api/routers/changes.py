"""Change requests to a live project: submit one (they queue in order), list them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field, field_validator

from api.deps import ServicesDep
from api.errors import responses
from api.params import ProjectIdPath
from api.routers.projects import HAS_CONTENT
from db.models import Change
from services.changes import MAX_CHANGE_CHARS, ChangeServices

router = APIRouter(prefix="/projects/{project_id}/changes", tags=["changes"])


class ChangeCreate(BaseModel):
    text: str = Field(
        max_length=MAX_CHANGE_CHARS,
        json_schema_extra={"pattern": HAS_CONTENT},
        description="what should change, e.g. 'add an endpoint /stats'; control characters "
        "other than newline and tab are dropped and whitespace is collapsed",
    )


class ChangePublic(BaseModel):
    number: int = Field(description="1, 2, ... per project: the order changes run in")
    text: str
    status: str = Field(description="queued, running, live, rolled_back, failed or cancelled")
    stage: str
    stages: list[dict[str, Any]]
    requested_by: str
    release_id: str | None = Field(description="the release the change produced")
    message: str
    workflow_id: str
    created_at: datetime

    @field_validator("created_at")
    @classmethod
    def _in_utc(cls, value: datetime) -> datetime:
        return value if value.tzinfo else value.replace(tzinfo=UTC)

    @classmethod
    def of(cls, change: Change) -> ChangePublic:
        return cls.model_validate(change, from_attributes=True)


@router.post("", status_code=202, responses=responses(400, 404, 409, 422, 503))
async def submit_change(
    project_id: ProjectIdPath, body: ChangeCreate, services: ServicesDep
) -> ChangePublic:
    """Queued behind any change still running; 409 unless the project is live."""
    return ChangePublic.of(await ChangeServices(services).submit(project_id, body.text))


@router.get("", responses=responses(404, 422, 503))
async def list_changes(project_id: ProjectIdPath, services: ServicesDep) -> list[ChangePublic]:
    return [ChangePublic.of(c) for c in await ChangeServices(services).list(project_id)]
