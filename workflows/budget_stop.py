"""A used-up budget seen from the workflow: recognise it, and read the owner's answer.

Model-using activities refuse to start past a budget (activities/budget.py); the project's
workflow then asks the owner through the desk: approve with a new amount to go on (approve
without one doubles the budget, so a Telegram button works too), reject to stop.
"""

from __future__ import annotations

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from core.budgets import BUDGET_EXHAUSTED, BudgetState, amount_problem, parse_amount
    from core.contracts import HumanReply, InboxItem
    from workflows.desk import ReplyCheck


def exhausted_budget(err: BaseException) -> BudgetState | None:
    """The budget an activity (or a developer child's activity) stopped at, if that is why
    `err` happened."""
    cause: BaseException | None = err
    while cause is not None:
        if isinstance(cause, ApplicationError) and cause.type == BUDGET_EXHAUSTED:
            return BudgetState.from_details(list(cause.details))
        cause = cause.__cause__ or getattr(cause, "cause", None)
    return None


BUDGET_PROMPT_START = "Budget reached for project "


def approval_prompt(project_id: str, state: BudgetState, parallel_developers: int) -> str:
    # Sessions under way check before each model call: only the call in flight can overshoot.
    return (
        f"{BUDGET_PROMPT_START}{project_id}: {state.describe()}. No new model step "
        f"starts until you answer; developer sessions under way (up to "
        f"{max(1, parallel_developers)}) stop before their next model call, so each can pass "
        f"the budget by the one call it was making. Approve with a new {state.scope} budget "
        f"in US$ to go on (without an amount it doubles to ${2 * state.limit_usd:.2f}), or "
        f"reject to stop: the developers still running are then cancelled."
    )


def is_budget_approval(item: InboxItem) -> bool:
    """Whether an open item asks the owner to raise a used-up budget (an unattended owner,
    such as an eval, must refuse it: approving doubles the budget, so it would cap nothing)."""
    return item.kind == "approval" and item.prompt.startswith(BUDGET_PROMPT_START)


def reply_check(state: BudgetState) -> ReplyCheck:
    def check(reply: HumanReply) -> str | None:
        if reply.choice != "approve" or not reply.text.strip():
            return None
        return amount_problem(parse_amount(reply.text), state.spent_usd)

    return check


def new_limit(item: InboxItem, state: BudgetState) -> float:
    """What the approval set: the amount given, else double the old budget (and always
    above what is spent, so the step can go on)."""
    amount = parse_amount(item.answer) if item.answer.strip() else None
    if amount is None or amount_problem(amount, state.spent_usd):
        amount = 2 * state.limit_usd
    return max(amount, 2 * state.spent_usd) if amount <= state.spent_usd else amount
