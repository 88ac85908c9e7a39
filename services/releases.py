"""A project's releases and its live service: list, readiness, deploy, rollback, stop, start.

The CLI, the API and the bot share this. Every change to a live service runs as a workflow
under the id live-<project> (workflows/release.py), so it is durable, recorded, and never
runs alongside another change to the same service: a second one is refused while one runs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from temporalio.client import WorkflowFailureError
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError

from activities.readiness import check_deploy_readiness
from adapters.secrets.factory import build_secret_store
from core.contracts import DeployResult, Readiness, ReleaseCommand, RollbackInput
from core.errors import Conflict, InvalidInput, NotFound
from core.vocabulary import ServiceAction
from db.engine import transaction
from db.models import Deployment, Project
from db.repositories import deployments
from services.projects import ProjectServices
from workflows import policies
from workflows.release import ReleaseWorkflow, live_workflow_id
from workflows.rollback import RollbackWorkflow


@dataclass(frozen=True)
class ReleaseServices:
    projects: ProjectServices

    async def list(self, project_id: str, *, tenant_id: str | None = None) -> list[Deployment]:
        project = await self.projects.get(project_id, tenant_id=tenant_id)
        async with transaction(self.projects.sessions) as session:
            return await deployments.list_for_project(
                session=session, tenant_id=project.tenant_id, project_id=project.id
            )

    async def readiness(self, project_id: str, *, tenant_id: str | None = None) -> Readiness:
        project = await self.projects.get(project_id, tenant_id=tenant_id)
        return await check_deploy_readiness(
            sessions=self.projects.sessions,
            secrets=build_secret_store(self.projects.settings),
            dns=self.projects.settings.dns,
            tenant_id=project.tenant_id,
            project_id=project.id,
        )

    async def deploy(
        self,
        project_id: str,
        *,
        release: int | None = None,
        tenant_id: str | None = None,
        user: str | None = None,
    ) -> DeployResult:
        """A new release: main's head, or the commit of recorded release `release`."""
        _check_number(release)
        project = await self.projects.get(project_id, tenant_id=tenant_id)
        if release is not None:
            await self._release(project, release)  # unknown: refused before anything starts
        # Asked here too (the workflow asks again): the person hears at once, even when no
        # worker runs to start the workflow.
        readiness = await self.readiness(project.id, tenant_id=project.tenant_id)
        if not readiness.ready:
            raise Conflict(f"not ready to deploy: {readiness.summary()}")
        return await self._change(project, "deploy", release=release, user=user)

    async def rollback(
        self,
        project_id: str,
        *,
        to: int | None = None,
        tenant_id: str | None = None,
        user: str | None = None,
    ) -> DeployResult:
        _check_number(to)
        project = await self.projects.get(project_id, tenant_id=tenant_id)
        rows = await self.list(project.id, tenant_id=project.tenant_id)
        if not rows:
            raise Conflict(f"project '{project.id}' has no releases yet: nothing to roll back")
        if to is not None:
            target = await self._release(project, to)
            if target.status != "healthy":
                raise Conflict(
                    f"release {to} never became healthy ({target.status}): "
                    f"roll back to one that did ({_healthy_numbers(rows)})"
                )
            if target.serving == "live":
                raise Conflict(f"release {to} is already the one serving")
        command = RollbackInput(
            project_id=project.id,
            tenant_id=project.tenant_id,
            to_release=to,
            requested_by=self._user(user),
        )
        return await self._run(project, lambda id_: self._start(RollbackWorkflow.run, command, id_))

    async def stop(
        self, project_id: str, *, tenant_id: str | None = None, user: str | None = None
    ) -> DeployResult:
        project = await self.projects.get(project_id, tenant_id=tenant_id)
        serving = await self._serving(project)
        if serving.serving == "stopped":
            raise Conflict(f"project '{project.id}' is already stopped")
        return await self._change(project, "stop", user=user)

    async def start(
        self, project_id: str, *, tenant_id: str | None = None, user: str | None = None
    ) -> DeployResult:
        project = await self.projects.get(project_id, tenant_id=tenant_id)
        await self._serving(project)
        return await self._change(project, "start", user=user)

    # ---- plumbing -----------------------------------------------------------------------

    async def _change(
        self,
        project: Project,
        action: ServiceAction,
        *,
        release: int | None = None,
        user: str | None,
    ) -> DeployResult:
        command = ReleaseCommand(
            project_id=project.id,
            tenant_id=project.tenant_id,
            action=action,
            release=release,
            requested_by=self._user(user),
        )
        return await self._run(project, lambda id_: self._start(ReleaseWorkflow.run, command, id_))

    async def _start(
        self, run: Callable[[Any, Any], Awaitable[DeployResult]], arg: Any, id_: str
    ) -> DeployResult:
        handle = await self.projects.client.start_workflow(
            run,
            arg,
            id=id_,
            task_queue=self.projects.settings.temporal.task_queue,
            task_timeout=policies.WORKFLOW_TASK,
            # One change to a service at a time: a second is refused, not queued or merged.
            id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
        )
        return await handle.result()

    async def _run(
        self, project: Project, start: Callable[[str], Awaitable[DeployResult]]
    ) -> DeployResult:
        id_ = live_workflow_id(project.id)
        try:
            return await start(id_)
        except WorkflowAlreadyStartedError:
            raise Conflict(
                f"another change to project '{project.id}' is running ({id_}); try again when "
                "it has finished"
            ) from None
        except WorkflowFailureError as err:
            raise _refusal(err) from None

    async def _release(self, project: Project, number: int) -> Deployment:
        async with transaction(self.projects.sessions) as session:
            return await deployments.get_by_number(
                session=session, tenant_id=project.tenant_id, project_id=project.id, number=number
            )

    async def _serving(self, project: Project) -> Deployment:
        async with transaction(self.projects.sessions) as session:
            row = await deployments.serving(
                session=session, tenant_id=project.tenant_id, project_id=project.id
            )
        if row is None:
            raise Conflict(f"project '{project.id}' is not live: no release of it is running")
        return row

    def _user(self, user: str | None) -> str:
        return self.projects.settings.user if user is None else user


def _check_number(number: int | None) -> None:
    if number is not None and number < 1:
        raise InvalidInput(f"release numbers start at 1, not {number}")


def _healthy_numbers(rows: list[Deployment]) -> str:
    healthy = [str(r.number) for r in rows if r.status == "healthy"]
    return ", ".join(healthy) if healthy else "none so far"


def _refusal(err: WorkflowFailureError) -> Exception:
    """The activity's own words, as the error the CLI and the API show."""
    cause: BaseException | None = err.cause
    while cause is not None and not isinstance(cause, ApplicationError):
        cause = cause.__cause__ or getattr(cause, "cause", None)
    message = cause.message if isinstance(cause, ApplicationError) else str(err)
    kind = cause.type if isinstance(cause, ApplicationError) else ""
    if kind == "NotFound":
        return NotFound(message)
    return Conflict(message)
