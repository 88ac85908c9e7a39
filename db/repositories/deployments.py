"""Releases of a project: numbered 1, 2, 3…, each with its health result; one serves at most."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.errors import NotFound
from db.models import Deployment


async def record(
    *,
    session: AsyncSession,
    tenant_id: str,
    project_id: str,
    release_id: str,
    commit: str,
    status: str,
    url: str,
    previous_release_id: str | None,
    message: str,
    requested_by: str = "",
) -> Deployment:
    """Idempotent on (project, release): a retried deploy updates its row, never adds one.

    A healthy release becomes the one serving; a failed one that left nothing running
    leaves no release serving; a rolled-back one leaves the previous release serving."""
    deployment = await find(session=session, project_id=project_id, release_id=release_id)
    if deployment is None:
        deployment = Deployment(
            tenant_id=tenant_id,
            project_id=project_id,
            release_id=release_id,
            commit=commit,
            status=status,
            number=await _next_number(session, project_id),
            requested_by=requested_by,
        )
    deployment.status, deployment.url, deployment.message = status, url, message
    deployment.previous_release_id = previous_release_id
    session.add(deployment)
    await session.flush()
    if status == "healthy":
        await serve(session=session, project_id=project_id, release_id=release_id, state="live")
    elif status == "failed":
        await serve(session=session, project_id=project_id, release_id=None, state="")
    return deployment


async def serve(
    *, session: AsyncSession, project_id: str, release_id: str | None, state: str
) -> None:
    """Make `release_id` the project's serving release in `state` (live or stopped), and
    no other; None: nothing serves."""
    rows = await list_for_project_any_tenant(session=session, project_id=project_id)
    for row in rows:
        wanted = state if row.release_id == release_id else ""
        if row.serving != wanted or (wanted and row.failed_checks):
            row.serving, row.failed_checks = wanted, 0
            session.add(row)
    await session.flush()


async def find(*, session: AsyncSession, project_id: str, release_id: str) -> Deployment | None:
    result = await session.exec(
        select(Deployment).where(
            Deployment.project_id == project_id, Deployment.release_id == release_id
        )
    )
    return result.first()


async def get_by_number(
    *, session: AsyncSession, tenant_id: str, project_id: str, number: int
) -> Deployment:
    rows = await list_for_project(session=session, tenant_id=tenant_id, project_id=project_id)
    for row in rows:
        if row.number == number:
            return row
    known = f"its releases are 1 to {len(rows)}" if rows else "it has no releases yet"
    raise NotFound(f"project '{project_id}' has no release {number} ({known})")


async def serving(*, session: AsyncSession, tenant_id: str, project_id: str) -> Deployment | None:
    """The release that serves (live) or would (stopped); None when nothing was deployed or
    the last deploy left nothing running."""
    rows = await list_for_project(session=session, tenant_id=tenant_id, project_id=project_id)
    return next((row for row in rows if row.serving), None)


async def list_live(*, session: AsyncSession) -> list[Deployment]:
    """Every tenant's releases that should be answering now (stopped ones are not)."""
    result = await session.exec(
        select(Deployment).where(Deployment.serving == "live").order_by(col(Deployment.id))
    )
    return list(result.all())


async def count_check(*, session: AsyncSession, deployment_id: int, healthy: bool) -> int:
    """Record one health check; the number of failed checks in a row after it."""
    row = await session.get(Deployment, deployment_id)
    if row is None:
        return 0
    row.failed_checks = 0 if healthy else row.failed_checks + 1
    session.add(row)
    await session.flush()
    return row.failed_checks


async def list_for_project(
    *, session: AsyncSession, tenant_id: str, project_id: str
) -> list[Deployment]:
    result = await session.exec(
        select(Deployment)
        .where(Deployment.tenant_id == tenant_id, Deployment.project_id == project_id)
        .order_by(col(Deployment.id))
    )
    return list(result.all())


async def list_for_project_any_tenant(
    *, session: AsyncSession, project_id: str
) -> list[Deployment]:
    result = await session.exec(
        select(Deployment).where(Deployment.project_id == project_id).order_by(col(Deployment.id))
    )
    return list(result.all())


async def _next_number(session: AsyncSession, project_id: str) -> int:
    result = await session.exec(
        select(func.max(Deployment.number)).where(Deployment.project_id == project_id)
    )
    return int(result.one() or 0) + 1
