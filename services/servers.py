"""The servers inventory for the CLI and the API: add (after a real check), list, remove."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass

from activities.servers import LOCALHOST, check_server, facts_probe
from adapters.secrets.base import SecretStore
from adapters.secrets.factory import build_secret_store
from core.errors import Conflict, InvalidInput
from core.handles import TENANT_SCOPE, Handle
from db.engine import transaction
from db.models import Server
from db.repositories import servers, tenants
from services.projects import ProjectServices

_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_USER = re.compile(r"^[a-z_][a-z0-9_.-]{0,31}$")
_HOST = re.compile(r"^[A-Za-z0-9.:-]{1,255}$")


def default_key_handle(name: str) -> str:
    """secret://_/SSH_KEY_<NAME>: a tenant's secret, as servers belong to the tenant."""
    return f"secret://{TENANT_SCOPE}/SSH_KEY_{name.upper().replace('-', '_')}"


@dataclass(frozen=True)
class NewServer:
    name: str
    host: str
    port: int = 22
    user: str = "root"
    key_handle: str = ""  # empty: default_key_handle(name)


@dataclass(frozen=True)
class ServerServices:
    projects: ProjectServices
    store: SecretStore

    @classmethod
    def of(cls, projects: ProjectServices) -> ServerServices:
        return cls(projects, build_secret_store(projects.settings))

    async def add(self, new: NewServer, *, tenant_id: str | None = None) -> Server:
        """Checked for real first: a server that cannot be reached is refused, not recorded."""
        tenant = tenant_id or self.projects.settings.tenant
        server = await self._validated(new, tenant)
        async with transaction(self.projects.sessions) as session:
            await tenants.ensure_tenant(session=session, tenant_id=tenant)
            if await servers.find(session=session, tenant_id=tenant, name=server.name):
                raise Conflict(f"a server named '{server.name}' is already registered")
            await servers.add(session=session, server=server)
        probe = facts_probe(self.projects.settings)
        checked = await check_server(probe, self.projects.sessions, self.store, server)
        if checked is None or checked.status != "reachable":
            await self.remove(server.name, tenant_id=tenant)
            why = checked.message if checked is not None else "removed meanwhile"
            raise InvalidInput(f"server '{server.name}' was not added: {why}")
        return checked

    async def list(self, *, tenant_id: str | None = None) -> list[Server]:
        async with transaction(self.projects.sessions) as session:
            return await servers.list_all(
                session=session, tenant_id=tenant_id or self.projects.settings.tenant
            )

    async def remove(self, name: str, *, tenant_id: str | None = None) -> None:
        tenant = tenant_id or self.projects.settings.tenant
        async with transaction(self.projects.sessions) as session:
            await servers.remove(session=session, tenant_id=tenant, name=name)

    async def _validated(self, new: NewServer, tenant: str) -> Server:
        if new.name == LOCALHOST or not _NAME.match(new.name):
            raise InvalidInput(
                f"'{new.name}' cannot name a server: use lower-case letters, digits and - "
                f"('{LOCALHOST}' is this host, always there)"
            )
        if not _HOST.match(new.host):
            raise InvalidInput(f"'{new.host}' is not a host name or address")
        if not 0 < new.port < 65536:
            raise InvalidInput(f"{new.port} is not a port (1-65535)")
        if not _USER.match(new.user):
            raise InvalidInput(f"'{new.user}' is not a user name")
        text = new.key_handle or default_key_handle(new.name)
        handle = Handle.parse(text)
        if handle.kind != "secret":
            raise InvalidInput(f"'{text}' is not a secret handle (secret://_/SSH_KEY_...)")
        if not await asyncio.to_thread(self.store.has, tenant, handle):
            raise InvalidInput(
                f"the secret store has no {handle}: store the private key first, e.g. "
                f"`orchestrator secrets set --tenant-wide {handle.name} --multiline < key`"
            )
        return Server(
            tenant_id=tenant,
            name=new.name,
            host=new.host,
            port=new.port,
            user=new.user,
            key_handle=str(handle),
        )
