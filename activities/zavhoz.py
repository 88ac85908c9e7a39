"""Zavhoz: hand out what the spec needs as handles; values never leave the secret store."""

from __future__ import annotations

import asyncio
import socket

from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.context import ActivityContext, once_key
from activities.prices import monthly_price, price_table
from activities.servers import LOCALHOST
from agents.schemas import ProjectSpec, ResourceRequirement
from core.contracts import Allocation, Cost, MissingSecret, ProjectRef
from core.errors import InvalidInput, UnknownHandle
from core.handles import Handle
from db.engine import transaction
from db.repositories import events, resources, servers


class ZavhozActivities:
    def __init__(self, ctx: ActivityContext) -> None:
        self._ctx = ctx

    @activity.defn(name="zavhoz.allocate_resources")
    async def allocate_resources(self, ref: ProjectRef) -> Allocation:
        """Idempotent: a retry, or the re-check after the owner gave secrets, finds the rows."""
        spec = await self._ctx.spec(ref.tenant_id, ref.project_id)
        prices = price_table(self._ctx.settings.zavhoz)
        async with transaction(self._ctx.sessions) as session:
            port = await self._port(session, ref)
            held = [(f"port://{ref.project_id}/http", "port", "http")]
            # Not priced: registered servers (and this host) are paid for already.
            server_handle = await self._server(session, ref)
            for need in spec.resources:
                if need.kind != "port":
                    held.append(await self._resource(session, ref, spec, need))
            for secret in spec.secrets:
                handle = _secret_handle(ref, secret.name)
                await self._remember(session, ref, "secret", secret.name, handle, handle)
                held.append((handle, "secret", secret.name))
        costs = [
            Cost(f"{handle} ({kind})", price)
            for handle, kind, name in held
            if (price := monthly_price(prices, kind, name)) > 0
        ]
        if costs:
            await self._record_costs(ref, costs)
        return Allocation(
            port=port,
            handles=[handle for handle, _, _ in held] + [server_handle],
            costs=costs,
            missing_secrets=await self._missing(ref, spec),
        )

    async def _port(self, session: AsyncSession, ref: ProjectRef) -> int:
        deploy = self._ctx.settings.deploy
        port = await resources.allocate_port(
            session=session,
            tenant_id=ref.tenant_id,
            project_id=ref.project_id,
            start=deploy.port_range_start,
            end=deploy.port_range_end,
            usable=lambda port: _free_on_host(deploy.host, port),
        )
        handle = f"port://{ref.project_id}/http"
        await self._log(session, ref, handle, f"{handle} = {port.value}", "port")
        return int(port.value)

    async def _server(self, session: AsyncSession, ref: ProjectRef) -> str:
        """server://<project>/main: the project's server, chosen once (a retry finds the row)."""
        handle = f"server://{ref.project_id}/{servers.ASSIGNMENT_NAME}"
        held = await resources.find(
            session=session,
            tenant_id=ref.tenant_id,
            project_id=ref.project_id,
            kind="server",
            name=servers.ASSIGNMENT_NAME,
        )
        if held is None:
            chosen = await choose_server(session, ref.tenant_id)
            await self._remember(
                session,
                ref,
                "server",
                servers.ASSIGNMENT_NAME,
                servers.assignment_value(chosen, ref.project_id),
                handle,
            )
        return handle

    async def _resource(
        self, session: AsyncSession, ref: ProjectRef, spec: ProjectSpec, need: ResourceRequirement
    ) -> tuple[str, str, str]:
        """A server, domain or database: recorded (and priced) now; provisioned by deploy."""
        handle = f"{need.kind}://{ref.project_id}/{need.name}"
        value = {
            "domain": f"{spec.name}-{ref.project_id}.{self._ctx.settings.zavhoz.domain_suffix}",
            "server": f"{spec.name}-{ref.project_id}",
            "database": f"db_{ref.project_id}_{need.name}".replace("-", "_"),
        }[need.kind]
        await self._remember(session, ref, need.kind, need.name, value, handle)
        return handle, need.kind, need.name

    async def _remember(
        self, session: AsyncSession, ref: ProjectRef, kind: str, name: str, value: str, handle: str
    ) -> None:
        row = await resources.record(
            session=session,
            tenant_id=ref.tenant_id,
            project_id=ref.project_id,
            kind=kind,
            name=name,
            value=value,
        )
        # A secret's row holds its handle; other kinds may show what they are.
        await self._log(
            session, ref, handle, handle if kind == "secret" else f"{handle} = {row.value}", kind
        )

    async def _log(
        self, session: AsyncSession, ref: ProjectRef, handle: str, message: str, kind: str
    ) -> None:
        await events.append(
            session=session,
            tenant_id=ref.tenant_id,
            project_id=ref.project_id,
            kind="resource_allocated",
            message=message,
            payload={"kind": kind, "handle": handle},
            once_key=once_key("resource_allocated", handle),
        )

    async def _missing(self, ref: ProjectRef, spec: ProjectSpec) -> list[MissingSecret]:
        missing = []
        for secret in spec.secrets:
            handle = Handle.parse(_secret_handle(ref, secret.name))
            # The store runs sops in a subprocess: off the event loop, so heartbeats go on.
            if not await asyncio.to_thread(self._ctx.secrets.has, ref.tenant_id, handle):
                missing.append(MissingSecret(secret.name, secret.purpose, str(handle)))
        return missing

    async def _record_costs(self, ref: ProjectRef, costs: list[Cost]) -> None:
        total = sum(c.monthly_usd for c in costs)
        bill = "; ".join(f"{c.description}: ${c.monthly_usd:.2f}/month" for c in costs)
        await self._ctx.record_event(
            ref.tenant_id,
            ref.project_id,
            "resources_priced",
            f"{bill} (total ${total:.2f}/month)",
            {"costs": [{"what": c.description, "monthly_usd": c.monthly_usd} for c in costs]},
        )


def _secret_handle(ref: ProjectRef, name: str) -> str:
    """secret://<project>/<NAME>: deploy renders the service's env file from exactly these."""
    try:
        return str(Handle.secret(ref.project_id, name))
    except (InvalidInput, UnknownHandle) as err:
        raise ApplicationError(
            f"cannot hand out secret://{ref.project_id}/{name}: {err}",
            type="UnknownHandle",
            non_retryable=True,
        ) from None


async def choose_server(session: AsyncSession, tenant_id: str) -> str:
    """The reachable (or not yet checked) server holding fewest projects; this host when the
    tenant registered none. Refused when every registered server is known to be down."""
    registered = await servers.list_all(session=session, tenant_id=tenant_id)
    if not registered:
        return LOCALHOST
    usable = [s for s in registered if s.status != "unreachable"]
    if not usable:
        down = "; ".join(f"{s.name}: {s.message or 'unreachable'}" for s in registered)
        raise ApplicationError(
            f"no server can take the project, every registered one is unreachable ({down}); "
            "fix one (`orchestrator servers list`) and retry",
            type="NoServer",
        )
    load = await servers.assignment_counts(session=session, tenant_id=tenant_id)
    # Most free memory breaks a tie: a fresh server has the room for the next service.
    best = min(usable, key=lambda s: (load.get(s.name, 0), -(s.free_memory_mb or 0), s.name))
    return best.name


def _free_on_host(host: str, port: int) -> bool:
    """A port another program listens on would make the health check test the wrong service."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True
