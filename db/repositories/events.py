"""The append-only event log."""

from __future__ import annotations

from typing import Any

from pydantic_core import to_jsonable_python
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import Event


def json_safe(payload: Any) -> Any:
    """Make anything storable as JSON: datetimes become ISO strings, unknown objects their str.

    An event must never be dropped because of how its payload serialises.
    """
    return to_jsonable_python(payload, fallback=str)


async def append(
    *,
    session: AsyncSession,
    tenant_id: str,
    project_id: str | None,
    kind: str,
    message: str = "",
    payload: dict[str, Any] | None = None,
    once_key: str | None = None,
) -> Event:
    """Add an event; with `once_key`, only if no event with that key exists yet."""
    if once_key is not None:
        found = await session.exec(select(Event).where(Event.once_key == once_key))
        if (existing := found.first()) is not None:
            return existing
    event = Event(
        tenant_id=tenant_id,
        project_id=project_id,
        kind=kind,
        message=message,
        payload=json_safe(payload or {}),
        once_key=once_key,
    )
    session.add(event)
    await session.flush()
    return event


async def list_for_project(
    *, session: AsyncSession, tenant_id: str, project_id: str, after_id: int = 0
) -> list[Event]:
    result = await session.exec(
        select(Event)
        .where(
            Event.tenant_id == tenant_id,
            Event.project_id == project_id,
            col(Event.id) > after_id,
        )
        .order_by(col(Event.id))
    )
    return list(result.all())
