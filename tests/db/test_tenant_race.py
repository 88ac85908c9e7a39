"""Two first submits of one tenant at once both succeed and leave one tenant and one user."""

from __future__ import annotations

import asyncio

from sqlmodel import func, select

from db.engine import SessionFactory, transaction
from db.models import Tenant, User
from db.repositories import tenants


async def test_concurrent_first_submits_share_one_tenant_and_user(sessions: SessionFactory):
    both_looked = asyncio.Barrier(2)

    async def first_submit() -> str:
        async with transaction(sessions) as session:
            tenant = await session.get(Tenant, "acme")
            assert tenant is None  # both start before either has created it
            await both_looked.wait()
            await tenants.ensure_tenant(session=session, tenant_id="acme")
            user = await tenants.ensure_user(session=session, tenant_id="acme", handle="ann")
            return user.id

    ids = await asyncio.gather(first_submit(), first_submit())

    async with transaction(sessions) as session:
        tenant_count = (await session.exec(select(func.count()).select_from(Tenant))).one()
        users = (await session.exec(select(User))).all()
    assert tenant_count == 1
    assert [u.handle for u in users] == ["ann"]
    assert set(ids) == {users[0].id}
