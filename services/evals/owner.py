"""The owner an eval plays: answers what a project asks from the suite, unattended."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from core.contracts import InboxItem
from core.errors import OrchestratorError
from core.vocabulary import FINAL_STATUSES
from db.models import Project
from services.evals.suite import EvalIdea, SuiteDefaults
from services.inbox import InboxServices
from services.projects import ProjectServices
from workflows.budget_stop import is_budget_approval

POLL_S = 1.0
BUDGET_USED_UP = "budget used up"


@dataclass
class Followed:
    project: Project
    timed_out: bool = False
    # What made the eval give up on the project (an escalation, a secret it cannot give).
    gave_up: str = ""
    stuck: bool = False  # it waits for something the eval cannot give: stop following
    model_label: str = ""  # the model that wrote its spec, as the worker reported it
    answered: list[str] = field(default_factory=list)


@dataclass
class SuiteOwner:
    idea: EvalIdea
    defaults: SuiteDefaults
    _answers_used: int = 0

    def reply(self, item: InboxItem) -> tuple[str, str] | None:
        """(choice, text) for the item; None when the eval cannot answer it."""
        if is_budget_approval(item):
            # Approving would double the budget: a budget must cap an eval like any project.
            return "reject", BUDGET_USED_UP
        if item.kind == "approval":
            return "approve", ""
        if item.kind == "escalation":
            return self.defaults.escalation, ""
        if item.kind == "secret":
            return None  # a value never goes through an answer; an eval has none to give
        if self._answers_used < len(self.idea.answers):
            self._answers_used += 1
            return "", self.idea.answers[self._answers_used - 1]
        return "", self.defaults.answer


async def follow(
    services: ProjectServices, project: Project, owner: SuiteOwner, timeout_s: float
) -> Followed:
    """Until the project ends or the time is up, answering what it asks."""
    desk = InboxServices(services)
    followed = Followed(project)
    done: set[str] = set()
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        project = await services.get(project.id, tenant_id=project.tenant_id)
        followed.project = project
        state = await services.live_state(project)
        if state is not None and state.model_label:
            followed.model_label = state.model_label
        status = state.status if state else project.status
        if status in FINAL_STATUSES and project.status in FINAL_STATUSES:
            return followed
        for item in state.open_items() if state else []:
            if item.id in done:
                continue
            if await _answer(desk, owner, item, followed):
                done.add(item.id)
        if followed.stuck:
            return followed
        await asyncio.sleep(POLL_S)
    followed.timed_out = True
    return followed


async def _answer(desk: InboxServices, owner: SuiteOwner, item: InboxItem, into: Followed) -> bool:
    reply = owner.reply(item)
    if reply is None:
        into.gave_up = into.gave_up or f"asked for a secret the eval cannot give: {item.prompt}"
        into.stuck = True
        return True
    if is_budget_approval(item):
        into.gave_up = into.gave_up or f"{BUDGET_USED_UP}: {item.prompt}"
    if item.kind == "escalation":
        into.gave_up = into.gave_up or f"escalated ({reply[0]}): {item.prompt}"
    try:
        await desk.answer(item.id, choice=reply[0], text=reply[1])
    except OrchestratorError:
        # The workflow shows an item a moment before its record exists: try again next poll.
        return False
    into.answered.append(f"{item.id}: {reply[0] or reply[1]}")
    return True
