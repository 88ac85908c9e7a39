"""The owner's answer to a used-up budget, written where the budget checks read it."""

from __future__ import annotations

from temporalio import activity

from activities.context import ActivityContext
from core.budgets import amount_problem
from core.contracts import BudgetChange
from core.errors import InvalidInput
from db.engine import transaction
from db.repositories import budgets, projects


class SpendingActivities:
    def __init__(self, ctx: ActivityContext) -> None:
        self._ctx = ctx

    @activity.defn(name="budgets.set")
    async def set_budget(self, change: BudgetChange) -> None:
        problem = amount_problem(change.limit_usd)
        if problem:
            raise InvalidInput(problem)
        async with transaction(self._ctx.sessions) as session:
            # The project must be the caller's: it names the tenant whose budget changes.
            await projects.get(
                session=session, tenant_id=change.tenant_id, project_id=change.project_id
            )
            await budgets.put(
                session=session,
                tenant_id=change.tenant_id,
                project_id=change.project_id if change.scope == "project" else budgets.TENANT_WIDE,
                limit_usd=change.limit_usd,
                set_by=change.set_by,
            )
        await self._ctx.record_event(
            change.tenant_id,
            change.project_id,
            "budget_raised",
            f"{change.scope} budget set to ${change.limit_usd:.2f} "
            f"by {change.set_by or 'the owner'}",
            {"scope": change.scope, "limit_usd": change.limit_usd, "by": change.set_by},
        )
