"""The inbox: what people are asked, mirrored from workflow state for listing and lookup."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.errors import NotFound
from db.models import InboxEntry, utcnow


async def upsert(*, session: AsyncSession, entry: InboxEntry) -> InboxEntry:
    """Idempotent on the item id: a retried record updates, never duplicates."""
    existing = await session.get(InboxEntry, entry.id)
    if existing is None:
        session.add(entry)
        await session.flush()
        return entry
    for name in ("status", "choice", "answer", "answered_by", "reminders"):
        setattr(existing, name, getattr(entry, name))
    existing.updated_at = utcnow()
    session.add(existing)
    return existing


async def get(*, session: AsyncSession, tenant_id: str, item_id: str) -> InboxEntry:
    entry = await session.get(InboxEntry, item_id)
    if entry is None or entry.tenant_id != tenant_id:
        raise NotFound(f"no question or approval '{item_id}'")
    return entry


async def list_open(
    *, session: AsyncSession, tenant_id: str, project_id: str | None = None
) -> list[InboxEntry]:
    query = select(InboxEntry).where(InboxEntry.tenant_id == tenant_id, InboxEntry.status == "open")
    if project_id is not None:
        query = query.where(InboxEntry.project_id == project_id)
    result = await session.exec(query.order_by(col(InboxEntry.created_at)))
    return list(result.all())
