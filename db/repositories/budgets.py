"""Spending limits on model calls: one per project, one per tenant (project_id "")."""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import Budget, utcnow
from db.repositories.upsert import upsert

TENANT_WIDE = ""  # the project_id of a tenant's own budget


async def get(
    *, session: AsyncSession, tenant_id: str, project_id: str = TENANT_WIDE
) -> float | None:
    found = await session.exec(
        select(Budget).where(Budget.tenant_id == tenant_id, Budget.project_id == project_id)
    )
    budget = found.first()
    return budget.limit_usd if budget else None


async def put(
    *,
    session: AsyncSession,
    tenant_id: str,
    project_id: str = TENANT_WIDE,
    limit_usd: float,
    set_by: str = "",
) -> None:
    def update(budget: Budget) -> None:
        budget.limit_usd, budget.set_by, budget.updated_at = limit_usd, set_by, utcnow()

    await upsert(
        session=session,
        query=select(Budget).where(Budget.tenant_id == tenant_id, Budget.project_id == project_id),
        new=lambda: Budget(tenant_id=tenant_id, project_id=project_id, limit_usd=0.0),
        update=update,
    )
