"""Projects, always read through their tenant."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.errors import NotFound
from db.models import Project, utcnow


async def create(
    *, session: AsyncSession, tenant_id: str, name: str, idea: str, owner_id: str | None = None
) -> Project:
    project = Project(tenant_id=tenant_id, owner_id=owner_id, name=name, idea=idea)
    project.workflow_id = f"project-{project.id}"
    session.add(project)
    await session.flush()
    return project


async def get(*, session: AsyncSession, tenant_id: str, project_id: str) -> Project:
    project = await session.get(Project, project_id)
    if project is None or project.tenant_id != tenant_id:
        raise NotFound(f"no project '{project_id}'")
    return project


async def list_for_tenant(
    *, session: AsyncSession, tenant_id: str, limit: int = 50
) -> list[Project]:
    result = await session.exec(
        select(Project)
        .where(Project.tenant_id == tenant_id)
        .order_by(col(Project.created_at).desc())
        .limit(limit)
    )
    return list(result.all())


async def list_live(*, session: AsyncSession) -> list[Project]:
    """Projects of every tenant that have a service deployed (the stack checks them at start)."""
    result = await session.exec(
        select(Project).where(col(Project.live_url).is_not(None)).order_by(col(Project.id))
    )
    return list(result.all())


async def list_active(*, session: AsyncSession, tenant_id: str) -> list[Project]:
    """Projects whose workflow is meant to be running (what github_sync reconciles)."""
    result = await session.exec(
        select(Project)
        .where(Project.tenant_id == tenant_id, col(Project.status).in_(("queued", "running")))
        .order_by(col(Project.id))
    )
    return list(result.all())


async def update(*, session: AsyncSession, project: Project, **fields: Any) -> Project:
    for name, value in fields.items():
        setattr(project, name, value)
    project.updated_at = utcnow()
    session.add(project)
    return project
