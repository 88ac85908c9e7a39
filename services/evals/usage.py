"""What a project's model calls used: tokens from the usage records, and their cost."""

from __future__ import annotations

from dataclasses import dataclass

from db.engine import SessionFactory, transaction
from db.models import LLMUsage
from db.repositories import usage


@dataclass(frozen=True)
class Spend:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


async def project_spend(sessions: SessionFactory, *, tenant_id: str, project_id: str) -> Spend:
    async with transaction(sessions) as session:
        rows = await usage.list_for_project(
            session=session, tenant_id=tenant_id, project_id=project_id
        )
    return Spend(
        prompt_tokens=sum(r.prompt_tokens for r in rows),
        completion_tokens=sum(r.completion_tokens for r in rows),
        cost_usd=cost_of_usage(rows),
    )


def cost_of_usage(rows: list[LLMUsage]) -> float:
    """US dollars, as priced when each call was recorded (core/model_prices.py)."""
    return round(sum(r.cost_usd for r in rows), 6)
