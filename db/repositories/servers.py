"""The servers inventory: keyword-only CRUD, every read scoped to a tenant."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.errors import Conflict, NotFound
from db.models import Resource, Server


async def list_all(*, session: AsyncSession, tenant_id: str) -> list[Server]:
    result = await session.exec(
        select(Server).where(Server.tenant_id == tenant_id).order_by(Server.name)
    )
    return list(result.all())


async def find(*, session: AsyncSession, tenant_id: str, name: str) -> Server | None:
    result = await session.exec(
        select(Server).where(Server.tenant_id == tenant_id, Server.name == name)
    )
    return result.first()


async def get(*, session: AsyncSession, tenant_id: str, name: str) -> Server:
    server = await find(session=session, tenant_id=tenant_id, name=name)
    if server is None:
        raise NotFound(f"no server named '{name}'")
    return server


async def add(*, session: AsyncSession, server: Server) -> Server:
    try:
        async with session.begin_nested():
            session.add(server)
    except IntegrityError:
        raise Conflict(f"a server named '{server.name}' is already registered") from None
    return server


async def remove(*, session: AsyncSession, tenant_id: str, name: str) -> None:
    server = await get(session=session, tenant_id=tenant_id, name=name)
    await session.delete(server)


async def record_check(
    *,
    session: AsyncSession,
    tenant_id: str,
    name: str,
    status: str,
    message: str,
    checked_at: datetime,
    free_disk_mb: int | None = None,
    free_memory_mb: int | None = None,
) -> Server | None:
    """What a check saw; None when the server was removed meanwhile."""
    server = await find(session=session, tenant_id=tenant_id, name=name)
    if server is None:
        return None
    server.status, server.message, server.checked_at = status, message, checked_at
    # An unreachable server keeps the last figures it reported: when they were true is
    # what checked_at of the last reachable check said, and the status says they are old.
    if status == "reachable":
        server.free_disk_mb, server.free_memory_mb = free_disk_mb, free_memory_mb
    session.add(server)
    return server


# Zavhoz's assignment is a Resource row (server://<project>/main); its value names the server
# and the project, because a resource's value is unique per kind across all projects.
ASSIGNMENT_NAME = "main"


def assignment_value(server_name: str, project_id: str) -> str:
    return f"{server_name}/{project_id}"


def server_of(assignment: Resource) -> str:
    return assignment.value.rsplit("/", 1)[0]


async def assignment_counts(*, session: AsyncSession, tenant_id: str) -> dict[str, int]:
    """How many projects each server holds, by server name."""
    result = await session.exec(
        select(Resource).where(
            Resource.tenant_id == tenant_id,
            Resource.kind == "server",
            Resource.name == ASSIGNMENT_NAME,
        )
    )
    counts: dict[str, int] = {}
    for row in result.all():
        counts[server_of(row)] = counts.get(server_of(row), 0) + 1
    return counts
