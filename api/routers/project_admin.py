"""A product owner's tools over HTTP: correct a project, activate it, list its pull requests."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import ServicesDep
from api.errors import responses
from api.params import ProjectIdPath
from api.routers.projects import ProjectPublic
from core.vocabulary import ProjectStatus
from services.product_owner import activate_project, update_project
from services.pull_requests import project_pull_requests

router = APIRouter(prefix="/projects", tags=["projects"])


class ProjectUpdate(BaseModel):
    repository_url: str | None = Field(
        default=None,
        max_length=2000,
        # Printable ASCII without spaces, "@" (no credentials) or brackets (IPv6 hosts are
        # no forge's); services check the rest.
        pattern=r"^(https?|file)://[!-?A-Z\\^-~]*/[!-.0-?A-Z\\^-~]+/[!-.0-?A-Z\\^-~]+/?$",
        description="the repository's web address; 404 unless it exists on the forge",
    )
    status: ProjectStatus | None = Field(default=None, description="correct the status word")


class ActivationOut(BaseModel):
    project: ProjectPublic
    restarted: bool
    message: str


class PullRequestPublic(BaseModel):
    number: int
    title: str
    branch: str
    task_key: str
    state: Literal["open", "merged", "closed"]
    verdict: Literal["approve", "request_changes", "comment", ""] = Field(
        description="the last review's verdict; empty when none was posted"
    )
    url: str


@router.patch("/{project_id}", responses=responses(400, 404, 422, 503))
async def patch_project(
    project_id: ProjectIdPath, body: ProjectUpdate, services: ServicesDep
) -> ProjectPublic:
    if body.repository_url is None and body.status is None:  # an empty patch changes nothing
        return ProjectPublic.of(await services.get(project_id))
    project = await update_project(
        services, project_id, repository_url=body.repository_url, status=body.status
    )
    return ProjectPublic.of(project)


@router.post("/{project_id}/activate", responses=responses(404, 409, 422, 503))
async def activate(project_id: ProjectIdPath, services: ServicesDep) -> ActivationOut:
    outcome = await activate_project(services, project_id)
    return ActivationOut(
        project=ProjectPublic.of(outcome.project),
        restarted=outcome.restarted,
        message=outcome.message,
    )


@router.get("/{project_id}/pull-requests", responses=responses(404, 422, 503))
async def pull_requests(
    project_id: ProjectIdPath, services: ServicesDep
) -> list[PullRequestPublic]:
    views = await project_pull_requests(services, project_id)
    return [PullRequestPublic.model_validate(v, from_attributes=True) for v in views]
