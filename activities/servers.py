"""Servers: resolve a project's deploy target, and refresh the inventory from Ansible facts."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from temporalio import activity

from activities.context import ActivityContext
from adapters.deploy.ansible import find_playbooks_dir
from adapters.deploy.target import SshTarget
from adapters.secrets.base import SecretStore
from adapters.servers.facts import FactsProbe
from core.handles import Handle
from core.settings import Settings
from db.engine import SessionFactory, transaction
from db.models import Server, utcnow
from db.repositories import resources, servers

# The built-in server: this host over a local connection (the embedded mode).
LOCALHOST = "localhost"


@dataclass
class ServerSyncInput:
    tenant_id: str


@dataclass
class ServerSyncResult:
    checked: int
    reachable: int
    unreachable: list[str]  # "name: why", one per server that did not answer


async def ssh_target(server: Server, secrets: SecretStore) -> SshTarget:
    """The server with its key resolved from its handle: only in the activity that connects."""
    key = await asyncio.to_thread(secrets.get, server.tenant_id, Handle.parse(server.key_handle))
    return SshTarget(
        name=server.name, host=server.host, port=server.port, user=server.user, private_key=key
    )


async def deploy_target(ctx: ActivityContext, tenant_id: str, project_id: str) -> SshTarget | None:
    """The project's server with its key (resolved at the last moment), or None for this host."""
    server = await project_server(ctx.sessions, tenant_id, project_id)
    return None if server is None else await ssh_target(server, ctx.secrets)


async def project_server(
    sessions: SessionFactory, tenant_id: str, project_id: str
) -> Server | None:
    """The server Zavhoz assigned (server://<project>/main); None for this host."""
    async with transaction(sessions) as session:
        assignment = await resources.find(
            session=session,
            tenant_id=tenant_id,
            project_id=project_id,
            kind="server",
            name=servers.ASSIGNMENT_NAME,
        )
        name = servers.server_of(assignment) if assignment is not None else LOCALHOST
        if name == LOCALHOST:
            return None
        return await servers.get(session=session, tenant_id=tenant_id, name=name)


async def check_server(
    probe: FactsProbe, sessions: SessionFactory, secrets: SecretStore, server: Server
) -> Server | None:
    """Ask the server for its facts and record what was seen; never raises for the server."""
    try:
        facts = await probe.probe(await ssh_target(server, secrets))
        status, message = ("reachable" if facts.reachable else "unreachable"), facts.message
        disk, memory = facts.free_disk_mb, facts.free_memory_mb
    except Exception as err:  # noqa: BLE001 - a missing key or a bad handle is a status too
        status, message, disk, memory = "unreachable", f"cannot check: {err}", None, None
    async with transaction(sessions) as session:
        return await servers.record_check(
            session=session,
            tenant_id=server.tenant_id,
            name=server.name,
            status=status,
            message=message,
            checked_at=utcnow(),
            free_disk_mb=disk,
            free_memory_mb=memory,
        )


class ServerActivities:
    def __init__(self, ctx: ActivityContext, probe: FactsProbe) -> None:
        self._ctx = ctx
        self._probe = probe

    @activity.defn(name="servers.sync")
    async def sync(self, input: ServerSyncInput) -> ServerSyncResult:
        async with transaction(self._ctx.sessions) as session:
            known = await servers.list_all(session=session, tenant_id=input.tenant_id)
        # One at a time: each check is an Ansible run, and the worker shares its cores.
        checked = [
            await check_server(self._probe, self._ctx.sessions, self._ctx.secrets, server)
            for server in known
        ]
        seen = [s for s in checked if s is not None]
        down = [f"{s.name}: {s.message}" for s in seen if s.status != "reachable"]
        if down:
            activity.logger.warning("servers unreachable: %s", "; ".join(down))
        return ServerSyncResult(
            checked=len(seen), reachable=len(seen) - len(down), unreachable=down
        )


def facts_probe(settings: Settings) -> FactsProbe:
    return FactsProbe(
        playbooks_dir=find_playbooks_dir(),
        runtime_dir=settings.deploy.runtime_dir,
        known_hosts=settings.data_dir / "ssh" / "known_hosts",
        disk_path=settings.deploy.remote_root,
    )
