"""Two first sets of one role's model or one budget at once both succeed and leave one row,
holding one of the two values (a race is no 500)."""

from __future__ import annotations

import asyncio

from sqlmodel import select

from db.engine import SessionFactory, transaction
from db.models import Budget, ModelConfigRow
from db.repositories import budgets, model_configs, tenants


async def _tenant(sessions: SessionFactory) -> None:
    async with transaction(sessions) as session:
        await tenants.ensure_tenant(session=session, tenant_id="acme")


async def test_two_first_model_sets_of_one_role_leave_one_config(sessions: SessionFactory):
    await _tenant(sessions)
    both_looked = asyncio.Barrier(2)

    async def first_set(model: str) -> None:
        async with transaction(sessions) as session:
            assert (
                await model_configs.find(session=session, tenant_id="acme", role="developer")
                is None
            )
            await both_looked.wait()
            row = ModelConfigRow(tenant_id="acme", role="developer", provider="openai", model=model)
            await model_configs.put(session=session, row=row)

    await asyncio.gather(first_set("gpt-a"), first_set("gpt-b"))

    async with transaction(sessions) as session:
        rows = await model_configs.list_all(session=session, tenant_id="acme")
    assert [(r.role, r.model in {"gpt-a", "gpt-b"}) for r in rows] == [("developer", True)]


async def test_two_first_budget_sets_of_one_tenant_leave_one_budget(sessions: SessionFactory):
    await _tenant(sessions)
    both_looked = asyncio.Barrier(2)

    async def first_set(limit: float) -> None:
        async with transaction(sessions) as session:
            assert await budgets.get(session=session, tenant_id="acme") is None
            await both_looked.wait()
            await budgets.put(session=session, tenant_id="acme", limit_usd=limit, set_by="ann")

    await asyncio.gather(first_set(5.0), first_set(7.0))

    async with transaction(sessions) as session:
        rows = (await session.exec(select(Budget).where(Budget.tenant_id == "acme"))).all()
    assert [r.limit_usd in {5.0, 7.0} for r in rows] == [True]
