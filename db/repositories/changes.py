"""Change requests of a project, always read through their tenant, numbered in order."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.errors import NotFound
from db.models import Change, utcnow


async def create(
    *, session: AsyncSession, tenant_id: str, project_id: str, text: str, requested_by: str
) -> Change:
    """The next number of the project; the unique (project, number) refuses a racing twin."""
    result = await session.exec(
        select(func.max(Change.number)).where(Change.project_id == project_id)
    )
    number = (result.one() or 0) + 1
    change = Change(
        tenant_id=tenant_id,
        project_id=project_id,
        number=number,
        text=text,
        requested_by=requested_by,
    )
    session.add(change)
    await session.flush()
    return change


async def get(*, session: AsyncSession, tenant_id: str, project_id: str, number: int) -> Change:
    result = await session.exec(
        select(Change).where(
            Change.tenant_id == tenant_id,
            Change.project_id == project_id,
            Change.number == number,
        )
    )
    change = result.first()
    if change is None:
        raise NotFound(f"project '{project_id}' has no change #{number}")
    return change


async def list_for_project(
    *, session: AsyncSession, tenant_id: str, project_id: str
) -> list[Change]:
    result = await session.exec(
        select(Change)
        .where(Change.tenant_id == tenant_id, Change.project_id == project_id)
        .order_by(col(Change.number))
    )
    return list(result.all())


async def update(*, session: AsyncSession, change: Change, **fields: Any) -> Change:
    for name, value in fields.items():
        setattr(change, name, value)
    change.updated_at = utcnow()
    session.add(change)
    return change


async def delete(*, session: AsyncSession, change: Change) -> None:
    await session.delete(change)
