"""LLM token usage per project and agent, each call with the price it had when it was made."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import LLMUsage


async def record(
    *,
    session: AsyncSession,
    tenant_id: str,
    project_id: str | None,
    agent: str,
    model: str,
    prompt_tokens: int,
    completion_tokens: int,
    cost_usd: float = 0.0,
    once_key: str | None = None,
) -> None:
    session.add(
        LLMUsage(
            once_key=once_key,
            tenant_id=tenant_id,
            project_id=project_id,
            agent=agent,
            model=model,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            cost_usd=cost_usd,
        )
    )


async def recorded_keys(*, session: AsyncSession, keys: list[str]) -> set[str]:
    """Which of `keys` are on rows already."""
    if not keys:
        return set()
    found = await session.exec(select(LLMUsage.once_key).where(col(LLMUsage.once_key).in_(keys)))
    return {k for k in found.all() if k is not None}


async def list_for_project(
    *, session: AsyncSession, tenant_id: str, project_id: str
) -> list[LLMUsage]:
    result = await session.exec(
        select(LLMUsage)
        .where(LLMUsage.tenant_id == tenant_id, LLMUsage.project_id == project_id)
        .order_by(col(LLMUsage.id))
    )
    return list(result.all())


async def spent(*, session: AsyncSession, tenant_id: str, project_id: str | None = None) -> float:
    """US$ spent by a project, or (without one) by the whole tenant."""
    query = select(func.coalesce(func.sum(LLMUsage.cost_usd), 0.0)).where(
        LLMUsage.tenant_id == tenant_id
    )
    if project_id is not None:
        query = query.where(LLMUsage.project_id == project_id)
    result = await session.exec(query)
    return float(result.one())


async def rows_for_rollup(
    *, session: AsyncSession, tenant_id: str, project_id: str | None = None
) -> list[tuple[str | None, str, str, date, int, int, float]]:
    """(project, agent, model, day, prompt tokens, completion tokens, cost) per call.

    Grouped in Python, not SQL: a day of a timestamp is spelled differently by each database,
    and a tenant's calls number thousands, not millions."""
    query = select(LLMUsage).where(LLMUsage.tenant_id == tenant_id)
    if project_id is not None:
        query = query.where(LLMUsage.project_id == project_id)
    result = await session.exec(query.order_by(col(LLMUsage.id)))
    return [
        (
            u.project_id,
            u.agent,
            u.model,
            _day(u.created_at),
            u.prompt_tokens,
            u.completion_tokens,
            u.cost_usd,
        )
        for u in result.all()
    ]


def _day(at: Any) -> date:
    return at.date() if isinstance(at, datetime) else date.fromisoformat(str(at)[:10])
