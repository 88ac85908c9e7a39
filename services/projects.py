"""Application services shared by the CLI, the API and the bot: submit, inspect, cancel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from temporalio.client import (
    Client,
    WorkflowExecutionStatus,
    WorkflowHandle,
    WorkflowQueryFailedError,
)
from temporalio.service import RPCError

from core import search_attributes as sa
from core.contracts import (
    DeployResult,
    EscalationPolicy,
    Gates,
    ProjectInput,
    ProjectState,
)
from core.errors import Conflict, NotFound
from core.settings import Settings
from db.engine import SessionFactory, transaction
from db.models import Project
from db.repositories import events, projects, telegram, tenants
from services.text import one_line_request
from workflows import policies
from workflows.project import ProjectWorkflow

MAX_IDEA_CHARS = 4000


def validate_idea(idea: str) -> str:
    """Refuse what no agent can work with, before anything is stored or started."""
    return one_line_request(
        idea,
        what="idea",
        limit=MAX_IDEA_CHARS,
        empty_hint="describe what you want built",
        long_hint="details can come later, when Brainstorm asks",
    )


@dataclass(frozen=True)
class ProjectServices:
    settings: Settings
    sessions: SessionFactory
    client: Client

    async def submit(
        self,
        idea: str,
        *,
        tenant_id: str | None = None,
        owner: str | None = None,
        gates: Gates | None = None,
        telegram_chat: int | None = None,
    ) -> Project:
        """`telegram_chat`: the chat that follows the project, linked before the workflow's
        first notification can look for it."""
        text = validate_idea(idea)
        tenant = tenant_id or self.settings.tenant
        pipeline = self.settings.pipeline
        gates = gates or Gates.parse(list(pipeline.gates))
        owner = self.settings.user if owner is None else owner
        async with transaction(self.sessions) as session:
            await tenants.ensure_tenant(session=session, tenant_id=tenant)
            project = await projects.create(
                session=session, tenant_id=tenant, name=_provisional_name(text), idea=text
            )
            project.config = {"gates": gates.enabled(), "owner": owner}
            if telegram_chat is not None:
                await telegram.link_chat(
                    session=session, project_id=project.id, tenant_id=tenant, chat_id=telegram_chat
                )
            await events.append(
                session=session,
                tenant_id=tenant,
                project_id=project.id,
                kind="project_submitted",
                message=text,
            )
        await self.start_workflow(project)
        return project

    async def start_workflow(self, project: Project, *, resume: ProjectState | None = None) -> None:
        """Start the project's workflow; with `resume`, a new run that goes on from that state
        (activate_project) under the same workflow id."""
        pipeline = self.settings.pipeline
        await self.client.start_workflow(
            ProjectWorkflow.run,
            ProjectInput(
                project_id=project.id,
                tenant_id=project.tenant_id,
                idea=project.idea,
                max_parallel_developers=pipeline.max_parallel_developers,
                max_review_rounds=pipeline.max_review_rounds,
                owner=project.config.get("owner", self.settings.user),
                gates=Gates.parse(list(project.config.get("gates", []))),
                escalation=EscalationPolicy(
                    reminder_every_s=pipeline.reminder_every_s,
                    timeout_s=pipeline.escalation_timeout_s,
                    on_timeout=pipeline.on_timeout,
                ),
                resume=resume,
            ),
            id=project.workflow_id or f"project-{project.id}",
            task_queue=self.settings.temporal.task_queue,
            search_attributes=sa.initial(project.id, project.tenant_id),
            task_timeout=policies.WORKFLOW_TASK,
        )

    async def get(self, project_id: str, *, tenant_id: str | None = None) -> Project:
        async with transaction(self.sessions) as session:
            return await projects.get(
                session=session, tenant_id=tenant_id or self.settings.tenant, project_id=project_id
            )

    async def list(self, *, tenant_id: str | None = None) -> list[Project]:
        async with transaction(self.sessions) as session:
            return await projects.list_for_tenant(
                session=session, tenant_id=tenant_id or self.settings.tenant
            )

    def handle(self, project: Project) -> WorkflowHandle[ProjectWorkflow, ProjectState]:
        return self.client.get_workflow_handle_for(
            ProjectWorkflow.run, project.workflow_id or f"project-{project.id}"
        )

    async def live_state(self, project: Project) -> ProjectState | None:
        """The workflow's own view; None when the workflow cannot answer (no worker, purged)."""
        try:
            # Short: with no worker running a query waits for one; the DB view is enough then.
            return await self.handle(project).query(
                ProjectWorkflow.status, rpc_timeout=timedelta(seconds=3)
            )
        except (RPCError, WorkflowQueryFailedError):
            return None

    async def cancel(self, project_id: str, *, tenant_id: str | None = None) -> Project:
        project = await self.get(project_id, tenant_id=tenant_id)
        handle = self.handle(project)
        try:
            description = await handle.describe()
        except RPCError as err:
            raise NotFound(f"project '{project_id}' has no workflow") from err
        if description.status != WorkflowExecutionStatus.RUNNING:
            raise Conflict(f"project '{project_id}' is not running (it is {project.status})")
        await handle.cancel()
        return project

    async def rollback(
        self,
        project_id: str,
        *,
        tenant_id: str | None = None,
        to: int | None = None,
        user: str | None = None,
    ) -> DeployResult:
        """Put an earlier healthy release back (services/releases.py has the rest)."""
        from services.releases import ReleaseServices  # it builds on this class

        return await ReleaseServices(self).rollback(
            project_id, to=to, tenant_id=tenant_id, user=user
        )


def _provisional_name(idea: str) -> str:
    """Until Brainstorm names the project: the idea's first words."""
    return " ".join(idea.split()[:6])[:120]
