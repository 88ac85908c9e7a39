"""Resource handles Zavhoz gives out (ports, servers, secret references)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.errors import OrchestratorError
from db.models import Resource


class NoFreeResource(OrchestratorError):
    """The pool of a resource kind is exhausted."""


async def find(
    *, session: AsyncSession, tenant_id: str, project_id: str, kind: str, name: str
) -> Resource | None:
    result = await session.exec(
        select(Resource).where(
            Resource.tenant_id == tenant_id,
            Resource.project_id == project_id,
            Resource.kind == kind,
            Resource.name == name,
        )
    )
    return result.first()


async def remove(
    *, session: AsyncSession, tenant_id: str, project_id: str, kind: str, name: str
) -> None:
    """Forget a handle (nothing to do when it is not held)."""
    row = await find(
        session=session, tenant_id=tenant_id, project_id=project_id, kind=kind, name=name
    )
    if row is not None:
        await session.delete(row)


async def list_for_project(
    *, session: AsyncSession, tenant_id: str, project_id: str
) -> list[Resource]:
    result = await session.exec(
        select(Resource).where(Resource.tenant_id == tenant_id, Resource.project_id == project_id)
    )
    return list(result.all())


async def allocate_port(
    *,
    session: AsyncSession,
    tenant_id: str,
    project_id: str,
    start: int,
    end: int,
    usable: Callable[[int], bool] = lambda _port: True,
) -> Resource:
    """Give the project a port from [start, end]; the same port again on a retry.

    `usable` lets the caller skip ports something outside our records already holds.
    """
    existing = await find(
        session=session, tenant_id=tenant_id, project_id=project_id, kind="port", name="http"
    )
    if existing is not None:
        return existing
    taken = await session.exec(select(Resource.value).where(Resource.kind == "port"))
    used = {int(v) for v in taken.all()}
    for port in range(start, end + 1):
        if port in used or not usable(port):
            continue
        resource = Resource(
            tenant_id=tenant_id, project_id=project_id, kind="port", name="http", value=str(port)
        )
        try:
            async with session.begin_nested():
                session.add(resource)
        except IntegrityError:
            continue  # another project took it between our read and write
        return resource
    raise NoFreeResource(f"no free port in {start}-{end}")


async def record(
    *, session: AsyncSession, tenant_id: str, project_id: str, kind: str, name: str, value: str
) -> Resource:
    """Record what a project holds, once: a retried allocation finds the row it wrote."""
    existing = await find(
        session=session, tenant_id=tenant_id, project_id=project_id, kind=kind, name=name
    )
    if existing is not None:
        return existing
    resource = Resource(
        tenant_id=tenant_id, project_id=project_id, kind=kind, name=name, value=value
    )
    session.add(resource)
    await session.flush()
    return resource
