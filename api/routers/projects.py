"""Projects: submit an idea, list, inspect, cancel."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field

from api.deps import ServicesDep
from core.errors import InvalidInput, NotFound
from db.models import Project

router = APIRouter(prefix="/projects", tags=["projects"])


class ProjectCreate(BaseModel):
    idea: str = Field(description="what to build, in a sentence or a paragraph")


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
        project = await services.submit(body.idea)
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


@router.post("/{project_id}/cancel", status_code=202)
async def cancel_project(project_id: str, services: ServicesDep) -> dict[str, str]:
    try:
        await services.cancel(project_id)
    except NotFound as err:
        raise HTTPException(status_code=404, detail=str(err)) from err
    except InvalidInput as err:
        raise HTTPException(status_code=409, detail=str(err)) from err
    return {"status": "cancelling"}
