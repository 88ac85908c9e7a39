"""The budget between a coding session's steps, not only at its start (README, *Costs and
budgets*): the agent asks before each model call through this callback."""

from __future__ import annotations

from collections.abc import Sequence

from temporalio.exceptions import ApplicationError

from activities.context import ActivityContext
from adapters.llm.base import ModelReply


class StepBudget:
    """Records the replies a session paid so far, then checks the budgets.

    Recording as it goes (each call once: keyed by its place in the attempt, see
    `record_usage`) lets parallel developers see each other's spend, not only their own.
    """

    def __init__(self, ctx: ActivityContext, tenant_id: str, project_id: str, agent: str):
        self._ctx = ctx
        self._tenant_id = tenant_id
        self._project_id = project_id
        self._agent = agent
        # The BudgetExhausted error that stopped the session, for the activity to raise.
        self.refusal: ApplicationError | None = None

    async def __call__(self, replies: Sequence[ModelReply]) -> str | None:
        if replies:
            await self._ctx.record_usage(self._tenant_id, self._project_id, self._agent, replies)
        self.refusal = await self._ctx.budget_refusal(self._tenant_id, self._project_id)
        return (
            None
            if self.refusal is None
            else f"stopped before step {len(replies) + 1}: {self.refusal.message}"
        )
