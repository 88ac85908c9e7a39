"""Tenants and users."""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import Tenant, User


async def ensure_tenant(*, session: AsyncSession, tenant_id: str) -> Tenant:
    tenant = await session.get(Tenant, tenant_id)
    if tenant is None:
        tenant = Tenant(id=tenant_id, name=tenant_id)
        session.add(tenant)
        await session.flush()
    return tenant


async def ensure_user(*, session: AsyncSession, tenant_id: str, handle: str) -> User:
    result = await session.exec(
        select(User).where(User.tenant_id == tenant_id, User.handle == handle)
    )
    user = result.first()
    if user is None:
        user = User(tenant_id=tenant_id, handle=handle)
        session.add(user)
        await session.flush()
    return user
