"""Budgets from the activities' side: refuse model work past a budget, warn the owner near it."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio import activity
from temporalio.exceptions import ApplicationError

from adapters.notify.base import DeliveryDelayed, Notifier
from adapters.notify.log import LogNotifier
from core.budgets import BUDGET_EXHAUSTED, BudgetState
from core.settings import CostSettings
from db.engine import SessionFactory, transaction
from db.models import Event
from db.repositories import budgets, events, projects, usage


async def budget_states(
    session: AsyncSession, costs: CostSettings, tenant_id: str, project_id: str | None
) -> list[BudgetState]:
    """The budgets that apply to a project: its own and its tenant's (a row, else the
    settings' default; none when neither is set). Without a project: the tenant's only."""
    states = []
    project_limit = None
    if project_id is not None:
        project_limit = await budgets.get(
            session=session, tenant_id=tenant_id, project_id=project_id
        )
        project_limit = costs.project_budget_usd if project_limit is None else project_limit
    if project_limit is not None:
        spent = await usage.spent(session=session, tenant_id=tenant_id, project_id=project_id)
        states.append(BudgetState("project", project_limit, spent))
    tenant_limit = await budgets.get(session=session, tenant_id=tenant_id)
    tenant_limit = costs.tenant_budget_usd if tenant_limit is None else tenant_limit
    if tenant_limit is not None:
        spent = await usage.spent(session=session, tenant_id=tenant_id)
        states.append(BudgetState("tenant", tenant_limit, spent))
    return states


def budget_refusal(states: list[BudgetState], project_id: str) -> ApplicationError | None:
    """The BudgetExhausted error for the first budget used up (None while all have room),
    raised before model work: the workflow pauses and asks the owner, and no retry would
    help until the owner answered."""
    for state in states:
        if state.exhausted:
            return ApplicationError(
                f"project {project_id}: {state.scope} budget of ${state.limit_usd:.2f} "
                f"reached (spent ${state.spent_usd:.2f})",
                *state.details(),
                type=BUDGET_EXHAUSTED,
                non_retryable=True,
            )
    return None


def warning_key(tenant_id: str, project_id: str, state: BudgetState) -> str:
    """Once per budget amount: raising a budget arms the warning again for the new amount."""
    scope = project_id if state.scope == "project" else f"tenant:{tenant_id}"
    return f"budget_warning/{scope}/{state.limit_usd:.6f}"


async def warn_near_budget(
    sessions: SessionFactory,
    costs: CostSettings,
    notifier: Notifier | None,
    tenant_id: str,
    project_id: str,
) -> None:
    """Tell the owner once when a budget is `warn_at` (80 %) used: an event, and the same
    words through the notifier (Telegram when configured)."""
    async with transaction(sessions) as session:
        states = await budget_states(session, costs, tenant_id, project_id)
        project = await projects.get(session=session, tenant_id=tenant_id, project_id=project_id)
        owner = str(project.config.get("owner", ""))
    for state in states:
        if state.spent_usd < costs.warn_at * state.limit_usd:
            continue
        text = (
            f"Project {project_id} has used {state.spent_usd / state.limit_usd:.0%} of its "
            f"{state.describe()}. At 100% it pauses and asks you to raise the budget or stop "
            f"(`orchestrator budget set {project_id} <usd>`)."
        )
        if not await _first_warning(sessions, tenant_id, project_id, state, text):
            continue
        try:
            await notifier_or_log(notifier).send(
                tenant_id=tenant_id,
                owner=owner,
                project_id=project_id,
                text=text,
                key=warning_key(tenant_id, project_id, state),
            )
        except DeliveryDelayed as delayed:
            # The message waits in the outbox; failing here would make the model call again.
            activity.logger.warning("budget warning delayed: %s", delayed)
        except Exception as err:  # a blocked bot, a chat gone: Telegram's refusal is final
            # The call is paid and recorded and the event written: failing would pay again.
            activity.logger.warning("budget warning not delivered: %s", type(err).__name__)


async def _first_warning(
    sessions: SessionFactory, tenant_id: str, project_id: str, state: BudgetState, text: str
) -> bool:
    """Write the warning's event; False when it was written before (by any project's call)."""
    key = warning_key(tenant_id, project_id, state)
    try:
        async with transaction(sessions) as session:
            found = await session.exec(select(Event.id).where(Event.once_key == key))
            if found.first() is not None:
                return False
            await events.append(
                session=session,
                tenant_id=tenant_id,
                project_id=project_id,
                kind="budget_warning",
                message=text,
                payload={
                    "scope": state.scope,
                    "limit_usd": state.limit_usd,
                    "spent_usd": state.spent_usd,
                },
                once_key=key,
            )
    except IntegrityError:  # a parallel developer's call wrote it a moment earlier
        return False
    return True


def notifier_or_log(notifier: Notifier | None) -> Notifier:
    return notifier or LogNotifier()
