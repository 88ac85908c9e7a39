"""Tenants and users."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import Tenant, User


async def ensure_tenant(*, session: AsyncSession, tenant_id: str) -> Tenant:
    tenant = await session.get(Tenant, tenant_id)
    if tenant is not None:
        return tenant
    # Two first submits of a tenant can race here (the eval harness, two chats at once):
    # the loser's insert fails inside its savepoint and it reads the winner's row.
    try:
        async with session.begin_nested():
            tenant = Tenant(id=tenant_id, name=tenant_id)
            session.add(tenant)
    except IntegrityError:
        tenant = await session.get(Tenant, tenant_id, populate_existing=True)
        if tenant is None:
            raise
    return tenant


async def ensure_user(*, session: AsyncSession, tenant_id: str, handle: str) -> User:
    query = select(User).where(User.tenant_id == tenant_id, User.handle == handle)
    user = (await session.exec(query)).first()
    if user is not None:
        return user
    try:
        async with session.begin_nested():
            user = User(tenant_id=tenant_id, handle=handle)
            session.add(user)
    except IntegrityError:
        user = (await session.exec(query)).first()
        if user is None:
            raise
    return user
