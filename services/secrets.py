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
from core.errors import Conflict, InvalidInput, UnknownHandle
from core.handles import TENANT_SCOPE, Handle, check_secret_name, check_secret_value
from core.settings import Settings
from db.engine import transaction
from db.repositories import resources
from services.inbox import InboxServices
from services.projects import ProjectServices

MAX_SECRET_CHARS = 64 * 1024  # a PEM key fits; a pasted file by mistake does not

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


def checked_value(name: str, value: str, *, multiline: bool = False) -> str:
    check_secret_name(name)
    if len(value) > MAX_SECRET_CHARS:
        raise InvalidInput(f"the value of {name} is longer than {MAX_SECRET_CHARS} characters")
    return check_secret_value(name, value, multiline=multiline)


@dataclass(frozen=True)
class TenantSecrets:
    """A tenant's own secrets (model keys, the GitHub token): the store alone, no stack.

    So they can be set before the first `orchestrator up`, which may need them."""

    settings: Settings
    store: SecretStore

    @classmethod
    def of(cls, settings: Settings) -> TenantSecrets:
        return cls(settings, build_secret_store(settings))

    async def put(
        self, name: str, value: str, *, tenant_id: str | None = None, multiline: bool = False
    ) -> StoredSecret:
        handle = Handle.secret(TENANT_SCOPE, name)  # checks the name
        value = checked_value(name, value, multiline=multiline)
        await asyncio.to_thread(self.store.put, tenant_id or self.settings.tenant, handle, value)
        return StoredSecret(str(handle), [], [])

    async def remove(self, name: str, *, tenant_id: str | None = None) -> str:
        handle = Handle.secret(TENANT_SCOPE, name)
        tenant = tenant_id or self.settings.tenant
        if not await asyncio.to_thread(self.store.delete, tenant, handle):
            raise UnknownHandle(f"no secret {handle}")
        return str(handle)

    async def list(self, *, tenant_id: str | None = None) -> list[SecretEntry]:
        tenant = tenant_id or self.settings.tenant
        held = await asyncio.to_thread(self.store.handles, tenant)
        return [SecretEntry(h.name, str(h), "set") for h in held]


@dataclass(frozen=True)
class SecretServices:
    projects: ProjectServices
    store: SecretStore

    @classmethod
    def of(cls, projects: ProjectServices) -> SecretServices:
        return cls(projects, build_secret_store(projects.settings))

    async def put(
        self,
        project_id: str | None,
        name: str,
        value: str,
        *,
        tenant_id: str | None = None,
        multiline: bool = False,
    ) -> StoredSecret:
        """Store a project's secret (a tenant's when `project_id` is None), answer who waits.

        `multiline` keeps line breaks: for keys such as a GitHub App's PEM file."""
        if project_id is None:
            return await self._tenant.put(name, value, tenant_id=tenant_id, multiline=multiline)
        tenant = tenant_id or self.projects.settings.tenant
        value = checked_value(name, value, multiline=multiline)
        handle = await self._handle(project_id, name, tenant)
        await asyncio.to_thread(self.store.put, tenant, handle, value)
        return await self._answer_waiting(handle, tenant)

    async def remove(
        self, project_id: str | None, name: str, *, tenant_id: str | None = None
    ) -> str:
        if project_id is None:
            return await self._tenant.remove(name, tenant_id=tenant_id)
        tenant = tenant_id or self.projects.settings.tenant
        handle = await self._handle(project_id, name, tenant)
        if not await asyncio.to_thread(self.store.delete, tenant, handle):
            raise UnknownHandle(f"no secret {handle}")
        return str(handle)

    async def list(
        self, project_id: str | None = None, *, tenant_id: str | None = None
    ) -> list[SecretEntry]:
        """A project's secrets, with those it needs but lacks; or every one of the tenant."""
        if project_id is None:
            return await self._tenant.list(tenant_id=tenant_id)
        tenant = tenant_id or self.projects.settings.tenant
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

    @property
    def _tenant(self) -> TenantSecrets:
        return TenantSecrets(self.projects.settings, self.store)

    async def _handle(self, project_id: str, name: str, tenant: str) -> Handle:
        check_secret_name(name)
        project = await self.projects.get(project_id, tenant_id=tenant)  # the tenant check
        return Handle.secret(project.id, name)

    async def _answer_waiting(self, handle: Handle, tenant: str) -> StoredSecret:
        """Answer the project's open `secret` items for this handle, with the handle.

        The DB mirror is where the owner saw the item (inbox, notification). A secret set in
        the instant between Zavhoz's look and the item opening leaves it open: setting it
        again answers it.
        """
        inbox = InboxServices(self.projects)
        entries = await inbox.open_items(tenant_id=tenant, project_id=handle.scope)
        answered, notes = [], []
        for entry in entries:
            if entry.kind != "secret" or str(handle) not in entry.options:
                continue
            try:
                outcome = await inbox.answer(entry.id, text=str(handle), tenant_id=tenant)
            except Conflict as err:  # answered meanwhile, or the project ended
                notes.append(f"{entry.id}: {err}")
                continue
            answered.append(entry.id)
            if outcome.queued:
                notes.append(f"{entry.id}: {outcome.message}")
        return StoredSecret(str(handle), answered, notes)
