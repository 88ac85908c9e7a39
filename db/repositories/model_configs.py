"""Model configs per role: keyword-only CRUD, every read scoped to a tenant."""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.model_configs import STORED_FIELDS
from db.models import ModelConfigRow, utcnow
from db.repositories.upsert import upsert


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

    def update(target: ModelConfigRow) -> None:
        for name in _FIELDS:
            setattr(target, name, getattr(row, name))
        target.updated_at = utcnow()

    query = select(ModelConfigRow).where(
        ModelConfigRow.tenant_id == row.tenant_id, ModelConfigRow.role == row.role
    )
    return await upsert(session=session, query=query, new=lambda: row, update=update)


# What a person sets; the key (tenant, role) and the timestamps are the row's own.
_FIELDS = tuple(name for name in STORED_FIELDS if name != "role")


async def remove(*, session: AsyncSession, tenant_id: str, role: str) -> bool:
    existing = await find(session=session, tenant_id=tenant_id, role=role)
    if existing is None:
        return False
    await session.delete(existing)
    return True
