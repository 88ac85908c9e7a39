"""Tasks of a project (one per parallel developer)."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.errors import NotFound
from db.models import Task, utcnow


async def list_for_project(*, session: AsyncSession, tenant_id: str, project_id: str) -> list[Task]:
    result = await session.exec(
        select(Task)
        .where(Task.tenant_id == tenant_id, Task.project_id == project_id)
        .order_by(col(Task.created_at), col(Task.key))
    )
    return list(result.all())


async def get_by_key(*, session: AsyncSession, tenant_id: str, project_id: str, key: str) -> Task:
    result = await session.exec(
        select(Task).where(
            Task.tenant_id == tenant_id, Task.project_id == project_id, Task.key == key
        )
    )
    task = result.first()
    if task is None:
        raise NotFound(f"no task '{key}' in project '{project_id}'")
    return task


async def upsert(
    *,
    session: AsyncSession,
    tenant_id: str,
    project_id: str,
    key: str,
    title: str,
    description: str,
    files: list[str],
) -> Task:
    """Idempotent on (project, key): a retried plan does not duplicate tasks."""
    result = await session.exec(select(Task).where(Task.project_id == project_id, Task.key == key))
    task = result.first()
    if task is None:
        task = Task(tenant_id=tenant_id, project_id=project_id, key=key, title=title)
    task.title, task.description, task.files = title, description, files
    task.updated_at = utcnow()
    session.add(task)
    await session.flush()
    return task


async def update(*, session: AsyncSession, task: Task, **fields: Any) -> Task:
    for name, value in fields.items():
        setattr(task, name, value)
    task.updated_at = utcnow()
    session.add(task)
    return task
