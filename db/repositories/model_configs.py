"""Model configs per role: keyword-only CRUD, every read scoped to a tenant."""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import ModelConfigRow, utcnow


async def list_all(*, session: AsyncSession, tenant_id: str) -> list[ModelConfigRow]:
    result = await session.exec(
        select(ModelConfigRow)
        .where(ModelConfigRow.tenant_id == tenant_id)
        .order_by(ModelConfigRow.role)
    )
    return list(result.all())


async def find(*, session: AsyncSession, tenant_id: str, role: str) -> ModelConfigRow | None:
    result = await session.exec(
        select(ModelConfigRow).where(
            ModelConfigRow.tenant_id == tenant_id, ModelConfigRow.role == role
        )
    )
    return result.first()


async def put(*, session: AsyncSession, row: ModelConfigRow) -> ModelConfigRow:
    """Create or replace the role's config."""
    existing = await find(session=session, tenant_id=row.tenant_id, role=row.role)
    if existing is None:
        session.add(row)
        return row
    for name in (
        "provider",
        "model",
        "base_url",
        "api_key_handle",
        "temperature",
        "max_tokens",
        "prompt_version",
    ):
        setattr(existing, name, getattr(row, name))
    existing.updated_at = utcnow()
    session.add(existing)
    return existing


async def remove(*, session: AsyncSession, tenant_id: str, role: str) -> bool:
    existing = await find(session=session, tenant_id=tenant_id, role=role)
    if existing is None:
        return False
    await session.delete(existing)
    return True
