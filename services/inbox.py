"""Answering what the workflows ask: list the inbox, send replies, read the event log."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from temporalio.client import (
    WorkflowHandle,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.service import RPCError, RPCStatusCode

from core import changes as naming
from core.contracts import HumanReply
from core.errors import Conflict, InvalidInput, ServiceUnavailable
from core.vocabulary import APPROVAL_CHOICES
from db.engine import transaction
from db.models import Event, InboxEntry, Project
from db.repositories import events, inbox
from services.projects import ProjectServices
from services.text import clean_text, plain_name
from workflows.change import ChangeWorkflow
from workflows.project import ProjectWorkflow


@dataclass(frozen=True)
class AnswerOutcome:
    item_id: str
    queued: bool  # True: no worker answered in time; the reply waits in workflow history
    message: str


@dataclass(frozen=True)
class InboxServices:
    projects: ProjectServices

    async def open_items(
        self, *, tenant_id: str | None = None, project_id: str | None = None
    ) -> list[InboxEntry]:
        async with transaction(self.projects.sessions) as session:
            return await inbox.list_open(
                session=session,
                tenant_id=tenant_id or self.projects.settings.tenant,
                project_id=project_id,
            )

    async def get(self, item_id: str, *, tenant_id: str | None = None) -> InboxEntry:
        """One item of the tenant, open or closed; NotFound for any other id."""
        async with transaction(self.projects.sessions) as session:
            return await inbox.get(
                session=session,
                tenant_id=tenant_id or self.projects.settings.tenant,
                item_id=item_id,
            )

    async def answer(
        self,
        item_id: str,
        *,
        choice: str = "",
        text: str = "",
        user: str | None = None,
        tenant_id: str | None = None,
    ) -> AnswerOutcome:
        """Validated by the workflow at once when a worker runs; queued durably otherwise."""
        settings = self.projects.settings
        tenant = tenant_id or settings.tenant
        text = clean_text(text, what="answer")
        user = None if user is None else plain_name(user, what="user name")
        async with transaction(self.projects.sessions) as session:
            entry = await inbox.get(session=session, tenant_id=tenant, item_id=item_id)
        if entry.kind == "approval" and choice not in APPROVAL_CHOICES:
            raise InvalidInput(f"'{item_id}' is an approval: answer with --approve or --reject")
        if entry.kind == "secret" and text.strip() not in entry.options:
            # Refused before anything reaches Temporal: a value sent as an answer (or queued
            # as a signal) would stay in workflow history in clear text.
            name = entry.options[0].rsplit("/", 1)[-1] if entry.options else "NAME"
            raise InvalidInput(
                f"'{item_id}' asks for a secret: give it with `orchestrator secrets set "
                f"{entry.project_id} {name}` (read from a hidden prompt or stdin, never an "
                "argument), not with `answer`"
            )
        reply = HumanReply(
            item_id=item_id,
            choice=choice,
            text=text,
            user=settings.user if user is None else user,
            project_id=entry.project_id,
            tenant_id=tenant,
        )
        project = await self.projects.get(entry.project_id, tenant_id=tenant)
        handle = self._handle(project, item_id, entry.workflow_id)
        try:
            message = await asyncio.wait_for(
                handle.execute_update(ProjectWorkflow.reply, reply),
                timeout=settings.pipeline.answer_wait_s,
            )
        except WorkflowUpdateFailedError as err:
            raise Conflict(f"refused: {err.cause}") from None
        except RPCError as err:
            if err.status in (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED):
                raise ServiceUnavailable(f"Temporal cannot be reached: {err.message}") from None
            raise Conflict(f"project {project.id} cannot take answers now: {err.message}") from None
        except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError):
            # No worker took the update: a signal is stored in history and applied later.
            await handle.signal(ProjectWorkflow.reply_queued, reply)
            return AnswerOutcome(
                item_id,
                True,
                "no worker is running: the answer is queued and applied when one starts",
            )
        return AnswerOutcome(item_id, False, message)

    def _handle(
        self, project: Project, item_id: str, recorded: str | None
    ) -> WorkflowHandle[Any, Any]:
        """The workflow that asked: a change's (by its item id), the one recorded with the
        item (an incident of a live service, workflows/incident.py), or the project's own.
        All take the same `reply` update and `reply_queued` signal."""
        number = naming.change_of_item(item_id, project.id)
        if number is not None:
            return self.projects.client.get_workflow_handle_for(
                ChangeWorkflow.run, naming.change_workflow_id(project.id, number)
            )
        if recorded:
            return self.projects.client.get_workflow_handle(recorded)
        return self.projects.handle(project)

    async def events(
        self, project_id: str, *, after_id: int = 0, tenant_id: str | None = None
    ) -> list[Event]:
        project = await self.projects.get(project_id, tenant_id=tenant_id)
        async with transaction(self.projects.sessions) as session:
            return await events.list_for_project(
                session=session,
                tenant_id=project.tenant_id,
                project_id=project.id,
                after_id=after_id,
            )
