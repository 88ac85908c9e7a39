"""Projects: submit an idea, list, inspect, cancel."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field, field_validator

from api.deps import ServicesDep
from api.errors import responses
from api.params import AfterIdQuery, ProjectIdPath
from core.contracts import Gates, ProjectState
from core.vocabulary import GATE_NAMES, GateName
from db.models import Project
from services.costs import project_cost
from services.inbox import InboxServices
from services.projects import MAX_IDEA_CHARS

router = APIRouter(prefix="/projects", tags=["projects"])

# At least one character that is neither whitespace nor a control character (nor a BOM):
# what services.projects.validate_idea keeps, spelled so Python and ECMAScript regexes agree.
# Only documented here: validate_idea enforces it, with a message a person can act on.
HAS_CONTENT = r"[^\s\x00-\x1f\x7f-\x9f\ufeff]"


class ProjectCreate(BaseModel):
    idea: str = Field(
        max_length=MAX_IDEA_CHARS,
        json_schema_extra={"pattern": HAS_CONTENT},
        description="what to build, in a sentence or a paragraph; control characters "
        "other than newline and tab are dropped and whitespace is collapsed",
    )
    gates: list[GateName] | None = Field(
        default=None,
        max_length=len(GATE_NAMES),
        description="decisions to ask a person for; the server default if omitted",
    )


class ProjectPublic(BaseModel):
    id: str
    name: str
    idea: str
    status: str
    stage: str
    repository_url: str | None
    live_url: str | None
    error: str | None
    stages: list[dict[str, Any]]

    @classmethod
    def of(cls, project: Project) -> ProjectPublic:
        return cls.model_validate(project, from_attributes=True)


class ProjectDetail(ProjectPublic):
    workflow: ProjectState | None = Field(
        description="the workflow's own view; null when it cannot answer (no worker running)"
    )
    cost_usd: float = Field(description="US$ spent on model calls so far (GET …/costs: details)")


class EventPublic(BaseModel):
    id: int
    kind: str
    message: str
    payload: dict[str, Any]
    created_at: datetime

    @field_validator("created_at")
    @classmethod
    def _in_utc(cls, value: datetime) -> datetime:
        # SQLite drops the offset; every timestamp is written in UTC (db.models.utcnow), and
        # a date-time without an offset is not the RFC 3339 the schema promises.
        return value if value.tzinfo else value.replace(tzinfo=UTC)


class CancelOut(BaseModel):
    status: Literal["cancelling"]


@router.post("", status_code=201, responses=responses(400, 422, 503))
async def create_project(body: ProjectCreate, services: ServicesDep) -> ProjectPublic:
    gates = Gates.parse(list(body.gates)) if body.gates is not None else None
    return ProjectPublic.of(await services.submit(body.idea, gates=gates))


@router.get("", responses=responses(503))
async def list_projects(services: ServicesDep) -> list[ProjectPublic]:
    return [ProjectPublic.of(p) for p in await services.list()]


@router.get("/{project_id}", responses=responses(404, 422, 503))
async def get_project(project_id: ProjectIdPath, services: ServicesDep) -> ProjectDetail:
    project = await services.get(project_id)
    public = ProjectPublic.of(project)
    return ProjectDetail(
        **public.model_dump(),
        workflow=await services.live_state(project),
        cost_usd=await project_cost(services, project.id, project.tenant_id),
    )


@router.get("/{project_id}/events", responses=responses(404, 422, 503))
async def project_events(
    project_id: ProjectIdPath, services: ServicesDep, after_id: AfterIdQuery = 0
) -> list[EventPublic]:
    rows = await InboxServices(services).events(project_id, after_id=after_id)
    return [EventPublic.model_validate(e, from_attributes=True) for e in rows]


@router.post("/{project_id}/cancel", status_code=202, responses=responses(404, 409, 422, 503))
async def cancel_project(project_id: ProjectIdPath, services: ServicesDep) -> CancelOut:
    await services.cancel(project_id)
    return CancelOut(status="cancelling")
