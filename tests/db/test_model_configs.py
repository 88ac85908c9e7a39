"""Model configs per role: one row per tenant and role, replaced in place, never shared."""

from __future__ import annotations

from db.engine import SessionFactory, transaction
from db.models import ModelConfigRow
from db.repositories import model_configs, tenants


def row(tenant: str, model: str, temperature: float | None = None) -> ModelConfigRow:
    return ModelConfigRow(
        tenant_id=tenant,
        role="architect",
        provider="openai",
        model=model,
        api_key_handle="secret://_/OPENAI_API_KEY",
        temperature=temperature,
    )


async def test_a_role_is_set_once_per_tenant_and_replaced_in_place(sessions: SessionFactory):
    async with transaction(sessions) as session:
        for tenant in ("acme", "other"):
            await tenants.ensure_tenant(session=session, tenant_id=tenant)
        await model_configs.put(session=session, row=row("acme", "gpt-5.2", 0.5))
        await model_configs.put(session=session, row=row("other", "gpt-5-mini"))
    async with transaction(sessions) as session:
        await model_configs.put(session=session, row=row("acme", "gpt-5-mini"))
    async with transaction(sessions) as session:
        [acme] = await model_configs.list_all(session=session, tenant_id="acme")
        assert (acme.model, acme.temperature) == ("gpt-5-mini", None)
        other = await model_configs.find(session=session, tenant_id="other", role="architect")
        assert other is not None and other.model == "gpt-5-mini"
        assert await model_configs.remove(session=session, tenant_id="acme", role="architect")
        assert not await model_configs.remove(session=session, tenant_id="acme", role="architect")
        assert await model_configs.find(session=session, tenant_id="other", role="architect")
