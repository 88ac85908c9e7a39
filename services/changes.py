"""Change requests to live projects, shared by the CLI, the API and (later) the bot."""

from __future__ import annotations

from dataclasses import dataclass

from temporalio.service import RPCError

from core import changes as naming
from core import search_attributes as sa
from core.contracts import (
    ChangeQueueInput,
    ChangeRequest,
    EscalationPolicy,
    Gates,
    ProjectInput,
)
from core.errors import Conflict, ServiceUnavailable
from db.engine import transaction
from db.models import Change, Project
from db.repositories import changes, events
from services.projects import ProjectServices
from services.text import one_line_request, plain_name
from workflows import policies
from workflows.change_queue import ChangeQueueWorkflow

MAX_CHANGE_CHARS = 2000


def validate_change(text: str) -> str:
    """Refuse what no agent can work with, before anything is stored or started."""
    return one_line_request(
        text,
        what="change",
        limit=MAX_CHANGE_CHARS,
        empty_hint="say what should change, e.g. 'add an endpoint /stats'",
        long_hint="split it into several changes, they run in order",
    )


def refuse_unless_live(project: Project) -> None:
    if project.status == "completed" and project.live_url:
        return
    if project.status in ("queued", "running"):
        state = f"still being built (stage {project.stage})"
    else:
        state = f"{project.status}, with no live release"
    raise Conflict(
        f"project '{project.id}' is {state}: changes go to live projects only"
        + ("; wait until it is live" if project.status in ("queued", "running") else "")
    )


@dataclass(frozen=True)
class ChangeServices:
    projects: ProjectServices

    async def submit(
        self,
        project_id: str,
        text: str,
        *,
        tenant_id: str | None = None,
        requested_by: str | None = None,
    ) -> Change:
        """Recorded as queued and handed to the project's change queue, or not at all."""
        settings = self.projects.settings
        cleaned = validate_change(text)
        who = plain_name(settings.user if requested_by is None else requested_by, what="user")
        project = await self.projects.get(project_id, tenant_id=tenant_id)
        refuse_unless_live(project)
        async with transaction(self.projects.sessions) as session:
            change = await changes.create(
                session=session,
                tenant_id=project.tenant_id,
                project_id=project.id,
                text=cleaned,
                requested_by=who,
            )
            change.workflow_id = naming.change_workflow_id(project.id, change.number)
        try:
            await self._enqueue(project, ChangeRequest(change.number, cleaned, who))
        except RPCError as err:
            # Nothing half-done: a change no queue holds would look queued for ever.
            async with transaction(self.projects.sessions) as session:
                row = await changes.get(
                    session=session,
                    tenant_id=project.tenant_id,
                    project_id=project.id,
                    number=change.number,
                )
                await changes.delete(session=session, change=row)
            raise ServiceUnavailable(f"Temporal cannot be reached: {err.message}") from None
        async with transaction(self.projects.sessions) as session:
            await events.append(
                session=session,
                tenant_id=project.tenant_id,
                project_id=project.id,
                kind="change_submitted",
                message=f"change #{change.number} by {who or 'someone'}: {cleaned}",
                payload={"change": change.number},
            )
        return change

    async def _enqueue(self, project: Project, request: ChangeRequest) -> None:
        """Signal-with-start: the project's queue is started if no run of it is open."""
        settings = self.projects.settings
        pipeline = settings.pipeline
        config = project.config or {}
        project_input = ProjectInput(
            project_id=project.id,
            tenant_id=project.tenant_id,
            idea=project.idea,
            max_parallel_developers=pipeline.max_parallel_developers,
            max_review_rounds=pipeline.max_review_rounds,
            owner=config.get("owner", settings.user),
            gates=Gates.parse(list(config.get("gates", []))),
            escalation=EscalationPolicy(
                reminder_every_s=pipeline.reminder_every_s,
                timeout_s=pipeline.escalation_timeout_s,
                on_timeout=pipeline.on_timeout,
            ),
        )
        await self.projects.client.start_workflow(
            ChangeQueueWorkflow.run,
            ChangeQueueInput(project=project_input),
            id=naming.queue_workflow_id(project.id),
            task_queue=settings.temporal.task_queue,
            start_signal="enqueue",
            start_signal_args=[request],
            search_attributes=sa.initial(project.id, project.tenant_id),
            task_timeout=policies.WORKFLOW_TASK,
        )

    async def list(self, project_id: str, *, tenant_id: str | None = None) -> list[Change]:
        project = await self.projects.get(project_id, tenant_id=tenant_id)
        async with transaction(self.projects.sessions) as session:
            return await changes.list_for_project(
                session=session, tenant_id=project.tenant_id, project_id=project.id
            )

    async def get(self, project_id: str, number: int, *, tenant_id: str | None = None) -> Change:
        project = await self.projects.get(project_id, tenant_id=tenant_id)
        async with transaction(self.projects.sessions) as session:
            return await changes.get(
                session=session, tenant_id=project.tenant_id, project_id=project.id, number=number
            )
