"""Product-owner tools: correct a project's record, and bring a stopped project back.

`update_project` sets what a person knows better than the record: the repository's URL
(it must exist on the forge) and the status word. `activate_project` finds the repository
when the URL is missing (by the name the architect gives it), saves it, and restarts a
workflow that stopped: a new run under the same workflow id, resumed from the last run's
state (its `status` query, answered by a worker replaying that run). Finished stages are
not redone; failed or cancelled ones run again, with a fresh budget of review rounds.
A running workflow is left alone (its questions are in the inbox); so is a completed one.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, get_args

from temporalio.client import WorkflowExecutionStatus, WorkflowQueryFailedError
from temporalio.service import RPCError, RPCStatusCode

from adapters.forge.base import RepoInfo
from core.contracts import ProjectState
from core.errors import Conflict, InvalidInput, ServiceUnavailable
from core.vocabulary import ProjectStatus
from db.engine import transaction
from db.models import Project
from db.repositories import events, projects
from services.projects import ProjectServices
from services.repositories import (
    candidate_names,
    forge_for,
    owner_of,
    repository_at,
    repository_by_name,
)
from workflows.project import ProjectWorkflow

PROJECT_STATUSES: tuple[str, ...] = get_args(ProjectStatus)


@dataclass(frozen=True)
class Activation:
    project: Project
    restarted: bool
    message: str


async def update_project(
    services: ProjectServices,
    project_id: str,
    *,
    repository_url: str | None = None,
    status: str | None = None,
    tenant_id: str | None = None,
) -> Project:
    if repository_url is None and status is None:
        raise InvalidInput("nothing to update: give a repository URL, a status, or both")
    if status is not None and status not in PROJECT_STATUSES:
        raise InvalidInput(f"unknown status {status!r}; choose from {', '.join(PROJECT_STATUSES)}")
    project = await services.get(project_id, tenant_id=tenant_id)
    fields: dict[str, Any] = {}
    if status is not None:
        fields["status"] = status
    repo = None
    if repository_url is not None:
        repo = await repository_at(forge_for(services), repository_url)
    changed = ", ".join(f"{k}={v}" for k, v in fields.items())
    return await _save(services, project, repo, "project_updated", changed, **fields)


async def activate_project(
    services: ProjectServices, project_id: str, *, tenant_id: str | None = None
) -> Activation:
    project = await services.get(project_id, tenant_id=tenant_id)
    repo = await _verified_repository(services, project)
    state = await _last_state(services, project)
    if state is None:
        project = await _save(services, project, repo, "project_activated", "still running")
        return Activation(project, False, "the workflow is running; its questions are in the inbox")
    if state.status == "completed":
        project = await _save(services, project, repo, "project_activated", "completed")
        return Activation(project, False, "the project completed; there is nothing to restart")
    resumed = _resumed(state, repo)
    project = await _save(
        services, project, repo, "project_activated", "restarted", status="running", error=None
    )
    await services.start_workflow(project, resume=resumed)
    stopped = next((s.name for s in resumed.stages if s.status == "pending"), "the end")
    return Activation(project, True, f"restarted from {stopped} (the last run was {state.status})")


async def _verified_repository(services: ProjectServices, project: Project) -> RepoInfo | None:
    """The repository the project uses, checked to exist; None only before the architect."""
    forge = forge_for(services)
    if project.repository_url:
        return await repository_at(forge, project.repository_url)
    repo = await repository_by_name(forge, owner_of(services, project), project)
    if repo is None and (project.config.get("repo_name") or _architect_done(project)):
        looked = ", ".join(f"{owner_of(services, project)}/{n}" for n in candidate_names(project))
        raise InvalidInput(
            f"project '{project.id}' has no repository URL and none was found on the "
            f"{forge.name} forge (looked for {looked or 'nothing: no spec'}); give it with "
            f"`orchestrator update {project.id} --repository-url URL`"
        )
    return repo


def _architect_done(project: Project) -> bool:
    return any(
        s.get("name") == "architect" and s.get("status") == "completed" for s in project.stages
    )


async def _last_state(services: ProjectServices, project: Project) -> ProjectState | None:
    """The stopped run's state; None while it runs. A worker must replay it to answer."""
    handle = services.handle(project)
    try:
        description = await handle.describe()
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            raise Conflict(f"project '{project.id}' has no workflow history to resume") from err
        raise
    if description.status == WorkflowExecutionStatus.RUNNING:
        return None
    try:
        return await handle.query(ProjectWorkflow.status, rpc_timeout=timedelta(seconds=10))
    except (RPCError, WorkflowQueryFailedError) as err:
        raise ServiceUnavailable(
            f"the last run of project '{project.id}' could not be read ({err}); "
            "is a worker running (`orchestrator up`)?"
        ) from err


def _resumed(state: ProjectState, repo: RepoInfo | None) -> ProjectState:
    """What the new run starts from: finished work kept, the stop undone."""
    resumed = dataclasses.replace(state, status="running", error=None, review_round=0)
    for record in resumed.stages:
        if record.status in ("failed", "cancelled", "running"):
            record.status, record.finished_at = "pending", None
    for item in resumed.open_items():  # nobody will answer the old run's questions
        item.status = "expired"
    if repo is not None:
        resumed.repository_url = repo.web_url
    return resumed


async def _save(
    services: ProjectServices,
    project: Project,
    repo: RepoInfo | None,
    event: str,
    message: str,
    **fields: Any,
) -> Project:
    config = dict(project.config)
    if repo is not None:
        fields["repository_url"] = repo.web_url
        config.update(repo_name=repo.name, repo_owner=repo.owner)
    async with transaction(services.sessions) as session:
        row = await projects.get(
            session=session, tenant_id=project.tenant_id, project_id=project.id
        )
        await projects.update(session=session, project=row, config=config, **fields)
        note = "; ".join(filter(None, [message, repo.web_url if repo else ""]))
        await events.append(
            session=session,
            tenant_id=project.tenant_id,
            project_id=project.id,
            kind=event,
            message=note,
            payload={k: v for k, v in fields.items() if v is not None},
        )
    return row
