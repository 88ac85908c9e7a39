"""LLM token usage per project and agent."""

from __future__ import annotations

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
) -> None:
    session.add(
        LLMUsage(
            tenant_id=tenant_id,
            project_id=project_id,
            agent=agent,
            model=model,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
        )
    )


async def list_for_project(
    *, session: AsyncSession, tenant_id: str, project_id: str
) -> list[LLMUsage]:
    result = await session.exec(
        select(LLMUsage)
        .where(LLMUsage.tenant_id == tenant_id, LLMUsage.project_id == project_id)
        .order_by(col(LLMUsage.id))
    )
    return list(result.all())
