"""Projects: submit an idea, list, inspect, cancel."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field

from api.deps import ServicesDep
from core.contracts import Gates
from core.errors import InvalidInput, NotFound
from db.models import Project
from services.inbox import InboxServices

router = APIRouter(prefix="/projects", tags=["projects"])


class ProjectCreate(BaseModel):
    idea: str = Field(description="what to build, in a sentence or a paragraph")
    gates: list[Literal["spec", "merge", "deploy", "spending"]] | None = Field(
        default=None, description="decisions to ask a person for; the server default if omitted"
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


@router.post("", status_code=201)
async def create_project(body: ProjectCreate, services: ServicesDep) -> ProjectPublic:
    try:
        gates = Gates.parse(list(body.gates)) if body.gates is not None else None
        project = await services.submit(body.idea, gates=gates)
    except InvalidInput as err:
        raise HTTPException(status_code=422, detail=str(err)) from err
    return ProjectPublic.of(project)


@router.get("")
async def list_projects(services: ServicesDep) -> list[ProjectPublic]:
    return [ProjectPublic.of(p) for p in await services.list()]


@router.get("/{project_id}")
async def get_project(project_id: str, services: ServicesDep) -> dict[str, Any]:
    try:
        project = await services.get(project_id)
    except NotFound as err:
        raise HTTPException(status_code=404, detail=str(err)) from err
    state = await services.live_state(project)
    return {
        **ProjectPublic.of(project).model_dump(),
        "workflow": asdict(state) if state else None,
    }


class EventPublic(BaseModel):
    id: int
    kind: str
    message: str
    payload: dict[str, Any]
    created_at: datetime


@router.get("/{project_id}/events")
async def project_events(
    project_id: str, services: ServicesDep, after_id: int = 0
) -> list[EventPublic]:
    try:
        rows = await InboxServices(services).events(project_id, after_id=after_id)
    except NotFound as err:
        raise HTTPException(status_code=404, detail=str(err)) from err
    return [EventPublic.model_validate(e, from_attributes=True) for e in rows]


@router.post("/{project_id}/cancel", status_code=202)
async def cancel_project(project_id: str, services: ServicesDep) -> dict[str, str]:
    try:
        await services.cancel(project_id)
    except NotFound as err:
        raise HTTPException(status_code=404, detail=str(err)) from err
    except InvalidInput as err:
        raise HTTPException(status_code=409, detail=str(err)) from err
    return {"status": "cancelling"}
