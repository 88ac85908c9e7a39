"""Secrets of projects and tenants: values go into the store, names and handles come out.

The CLI and the API share this. A value is validated, stored, and never returned, logged or
sent to a workflow: the project waiting for it gets the handle only.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Literal

from adapters.secrets.base import SecretStore
from adapters.secrets.factory import build_secret_store
from core.errors import Conflict, InvalidInput, NotFound, UnknownHandle
from core.handles import TENANT_SCOPE, Handle, check_secret_name, check_secret_value
from db.engine import transaction
from db.repositories import resources
from services.inbox import AnswerOutcome, InboxServices
from services.projects import ProjectServices

MAX_SECRET_CHARS = 64 * 1024  # a PEM key fits; a pasted file by mistake does not

_MIRROR_WAITS = 10

SecretState = Literal["set", "missing"]


@dataclass(frozen=True)
class SecretEntry:
    name: str
    handle: str
    state: SecretState  # missing: the project needs it and the store does not hold it


@dataclass(frozen=True)
class StoredSecret:
    handle: str
    answered: list[str]  # the inbox items this answered
    notes: list[str]  # what could not be answered, and why


@dataclass(frozen=True)
class SecretServices:
    projects: ProjectServices
    store: SecretStore

    @classmethod
    def of(cls, projects: ProjectServices) -> SecretServices:
        return cls(projects, build_secret_store(projects.settings))

    async def put(
        self, project_id: str | None, name: str, value: str, *, tenant_id: str | None = None
    ) -> StoredSecret:
        """Store a project's secret (a tenant's when `project_id` is None), answer who waits."""
        tenant = tenant_id or self.projects.settings.tenant
        check_secret_name(name)
        if len(value) > MAX_SECRET_CHARS:
            raise InvalidInput(f"the value of {name} is longer than {MAX_SECRET_CHARS} characters")
        value = check_secret_value(name, value)
        handle = await self._handle(project_id, name, tenant)
        await asyncio.to_thread(self.store.put, tenant, handle, value)
        if project_id is None:
            return StoredSecret(str(handle), [], [])
        return await self._answer_waiting(handle, tenant)

    async def remove(
        self, project_id: str | None, name: str, *, tenant_id: str | None = None
    ) -> str:
        tenant = tenant_id or self.projects.settings.tenant
        handle = await self._handle(project_id, name, tenant)
        if not await asyncio.to_thread(self.store.delete, tenant, handle):
            raise UnknownHandle(f"no secret {handle}")
        return str(handle)

    async def list(
        self, project_id: str | None = None, *, tenant_id: str | None = None
    ) -> list[SecretEntry]:
        """A project's secrets, with those it needs but lacks; or every one of the tenant."""
        tenant = tenant_id or self.projects.settings.tenant
        if project_id is None:
            held = await asyncio.to_thread(self.store.handles, tenant)
            return [SecretEntry(h.name, str(h), "set") for h in held]
        project = await self.projects.get(project_id, tenant_id=tenant)
        held = await asyncio.to_thread(self.store.handles, tenant, project.id)
        entries = {str(h): SecretEntry(h.name, str(h), "set") for h in held}
        async with transaction(self.projects.sessions) as session:
            rows = await resources.list_for_project(
                session=session, tenant_id=tenant, project_id=project.id
            )
        for row in rows:
            if row.kind == "secret" and row.value not in entries:
                entries[row.value] = SecretEntry(row.name, row.value, "missing")
        return sorted(entries.values(), key=lambda e: e.name)

    async def _handle(self, project_id: str | None, name: str, tenant: str) -> Handle:
        check_secret_name(name)
        if project_id is None:
            return Handle.secret(TENANT_SCOPE, name)
        project = await self.projects.get(project_id, tenant_id=tenant)  # the tenant check
        return Handle.secret(project.id, name)

    async def _answer_waiting(self, handle: Handle, tenant: str) -> StoredSecret:
        """Answer the project's open `secret` items for this handle, with the handle."""
        project = await self.projects.get(handle.scope, tenant_id=tenant)
        # The workflow's own view holds an item the moment it is asked, before the DB does.
        state = await self.projects.live_state(project)
        inbox = InboxServices(self.projects)
        if state is not None:
            waiting = [i.id for i in state.open_items() if i.kind == "secret"]
            options = {i.id: i.options for i in state.open_items()}
        else:
            entries = await inbox.open_items(tenant_id=tenant, project_id=project.id)
            waiting = [e.id for e in entries if e.kind == "secret"]
            options = {e.id: e.options for e in entries}
        answered, notes = [], []
        for item_id in waiting:
            if str(handle) not in options[item_id]:
                continue
            try:
                outcome = await self._answer(inbox, item_id, handle, tenant)
            except (Conflict, NotFound) as err:  # answered meanwhile, or the project ended
                notes.append(f"{item_id}: {err}")
                continue
            answered.append(item_id)
            if outcome.queued:
                notes.append(f"{item_id}: {outcome.message}")
        return StoredSecret(str(handle), answered, notes)

    async def _answer(
        self, inbox: InboxServices, item_id: str, handle: Handle, tenant: str
    ) -> AnswerOutcome:
        # An item just asked may not be mirrored into the DB yet (answer looks it up there).
        for _ in range(_MIRROR_WAITS):
            try:
                return await inbox.answer(item_id, text=str(handle), tenant_id=tenant)
            except NotFound:
                await asyncio.sleep(0.5)
        return await inbox.answer(item_id, text=str(handle), tenant_id=tenant)
