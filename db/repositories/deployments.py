"""Releases of a project."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

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
) -> Deployment:
    """Idempotent on (project, release): a retried deploy updates its row, never adds one."""
    result = await session.exec(
        select(Deployment).where(
            Deployment.project_id == project_id, Deployment.release_id == release_id
        )
    )
    deployment = result.first() or Deployment(
        tenant_id=tenant_id,
        project_id=project_id,
        release_id=release_id,
        commit=commit,
        status=status,
    )
    deployment.status, deployment.url, deployment.message = status, url, message
    deployment.previous_release_id = previous_release_id
    session.add(deployment)
    await session.flush()
    return deployment


async def list_for_project(
    *, session: AsyncSession, tenant_id: str, project_id: str
) -> list[Deployment]:
    result = await session.exec(
        select(Deployment)
        .where(Deployment.tenant_id == tenant_id, Deployment.project_id == project_id)
        .order_by(col(Deployment.id))
    )
    return list(result.all())
