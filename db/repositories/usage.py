"""LLM token usage per project and agent."""

from __future__ import annotations

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
