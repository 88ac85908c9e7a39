"""Costs and budgets on a real stack: dev-server Temporal, PostgreSQL, the offline model priced
through the model price table, so every call costs something and a tiny budget runs out."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from temporalio.client import WorkflowFailureError
from temporalio.testing import WorkflowEnvironment

from core.contracts import InboxChange, InboxItem, ProgressUpdate
from core.errors import InvalidInput, NotFound
from core.model_prices import OFFLINE_MODEL, ModelPrice
from core.settings import CostSettings, DatabaseSettings
from db.engine import transaction
from db.repositories import events, usage
from services.costs import cost_report, set_budget
from services.inbox import InboxServices
from tests.api.client import client_for
from tests.cli.test_cli import orchestrator
from tests.db.conftest import PG_ADMIN_DSN, _create_pg_database, _drop_pg_database
from tests.e2e.test_activate import answer_when_recorded
from tests.stack import Stack, open_stack, stack_settings
from worker.composition import build_worker
from workflows.project import ProjectWorkflow

IDEA = "Weather bot with notifications"
# Dear enough that one offline call (hundreds of tokens) is more than the whole budget.
OFFLINE_PRICE = ModelPrice(input=1000.0, output=1000.0)
TINY_BUDGET = 0.01


class RecordingNotifier:
    """The owner's channel, as the worker sees it: every message it was asked to send."""

    name = "recording"

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send(
        self, *, tenant_id: str, owner: str, project_id: str, text: str, key: str | None = None
    ) -> None:
        self.sent.append(text)

    async def inbox(self, change: InboxChange, text: str, *, key: str | None = None) -> None:
        self.sent.append(text)

    async def progress(self, update: ProgressUpdate) -> None:
        return None


@pytest.fixture
async def pg_stack(dev_env: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[Stack]:
    """The e2e stack on PostgreSQL, with the offline model priced and a tiny project budget."""
    name = await _create_pg_database()
    base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    settings = stack_settings(tmp_path / "home", f"budgets-{uuid.uuid4()}")
    settings.database = DatabaseSettings(url=f"{base}/{name}")
    settings.costs = CostSettings(
        model_prices={OFFLINE_MODEL: OFFLINE_PRICE}, project_budget_usd=TINY_BUDGET
    )
    try:
        async with open_stack(dev_env, settings) as opened:
            yield opened
    finally:
        await _drop_pg_database(name)


async def budget_approval(stack: Stack, project_id: str) -> InboxItem:
    handle = stack.client.get_workflow_handle(f"project-{project_id}")
    async with asyncio.timeout(120):
        while True:
            state = await handle.query(ProjectWorkflow.status)
            assert state.status == "running", state.error
            for item in state.open_items():
                if item.kind == "approval" and "Budget reached" in item.prompt:
                    return item
            await asyncio.sleep(0.2)


async def usage_rows(stack: Stack, project_id: str) -> list[tuple[str, float]]:
    async with transaction(stack.sessions) as session:
        rows = await usage.list_for_project(
            session=session, tenant_id=stack.settings.tenant, project_id=project_id
        )
    return [(r.agent, r.cost_usd) for r in rows]


async def event_kinds(stack: Stack, project_id: str) -> list[str]:
    async with transaction(stack.sessions) as session:
        rows = await events.list_for_project(
            session=session, tenant_id=stack.settings.tenant, project_id=project_id
        )
    return [e.kind for e in rows]


async def test_a_used_up_budget_pauses_the_project_until_the_owner_raises_it(pg_stack: Stack):
    stack, notifier = pg_stack, RecordingNotifier()
    inbox = InboxServices(stack.services)
    async with build_worker(stack.client, stack.settings, stack.sessions, notifier):
        project = await stack.services.submit(IDEA)
        item = await budget_approval(stack, project.id)
        # Brainstorm's one call used the whole budget: the architect asked the model nothing.
        assert item.stage == "architect"
        assert "project budget $0.01" in item.prompt
        spent_at_pause = await usage_rows(stack, project.id)
        assert [agent for agent, _ in spent_at_pause] == ["brainstorm"]
        assert spent_at_pause[0][1] > TINY_BUDGET
        await asyncio.sleep(3)  # paused: nothing more is spent while nobody answers
        assert await usage_rows(stack, project.id) == spent_at_pause

        with pytest.raises(InvalidInput, match="more than the \\$"):
            await answer_when_recorded(inbox, item.id, choice="approve", text="0.005")
        await inbox.answer(item.id, choice="approve", text="$1000")
        state = await stack.services.handle(project).result()

    assert state.status == "completed", state.error
    rows = await usage_rows(stack, project.id)
    assert {agent.split(":")[0] for agent, _ in rows} == {
        "brainstorm",
        "architect",
        "developer",
        "reviewer",
    }
    kinds = await event_kinds(stack, project.id)
    assert kinds.count("budget_warning") == 1  # at 80 % of $0.01, not again at $1000
    assert kinds.count("budget_raised") == 1
    warnings = [text for text in notifier.sent if "of its project budget" in text]
    assert len(warnings) == 1 and "orchestrator budget set" in warnings[0]

    report = await cost_report(stack.services, project.id)
    assert report.total.cost_usd == pytest.approx(sum(cost for _, cost in rows))
    assert [b.limit_usd for b in report.budgets] == [1000.0]
    assert {line.key for line in report.by_role} == {
        "brainstorm",
        "architect",
        "developer",
        "reviewer",
    }
    code, out = await orchestrator(
        stack, "status", project.id, env={"DATABASE_URL": stack.settings.database_url}
    )
    assert code == 0 and f"${report.total.cost_usd:.4f} so far" in out, out


async def test_stop_at_a_used_up_budget_ends_the_project_without_another_model_call(
    pg_stack: Stack,
):
    stack = pg_stack
    inbox = InboxServices(stack.services)
    async with build_worker(stack.client, stack.settings, stack.sessions):
        project = await stack.services.submit(IDEA)
        item = await budget_approval(stack, project.id)
        await answer_when_recorded(inbox, item.id, choice="reject", text="too dear")
        with pytest.raises(WorkflowFailureError):
            await stack.services.handle(project).result()

    stored = await stack.services.get(project.id)
    assert stored.status == "failed"
    assert "stopped at the project budget $0.01" in (stored.error or "")
    assert "too dear" in (stored.error or "")
    assert [agent for agent, _ in await usage_rows(stack, project.id)] == ["brainstorm"]


async def test_budgets_refuse_bad_amounts_and_unknown_projects(pg_stack: Stack):
    stack = pg_stack
    with pytest.raises(InvalidInput, match="more than \\$0"):
        await set_budget(stack.services, -5.0)
    with pytest.raises(InvalidInput, match="finite"):
        await set_budget(stack.services, float("inf"))
    with pytest.raises(NotFound):
        await set_budget(stack.services, 5.0, project_id="nosuchproject")
    with pytest.raises(NotFound):
        await cost_report(stack.services, "nosuchproject")

    env = {"DATABASE_URL": stack.settings.database_url}
    code, out = await orchestrator(stack, "budget", "set", "--tenant", "--", "-5", env=env)
    assert code == 1 and "more than $0" in out, out
    code, out = await orchestrator(stack, "budget", "set", "nosuchproject", "abc", env=env)
    assert code == 1 and "give the budget as an amount of US dollars" in out, out
    code, out = await orchestrator(stack, "budget", "set", "nosuchproject", "5", env=env)
    assert code == 1 and "nosuchproject" in out, out
    code, out = await orchestrator(stack, "budget", "set", "--tenant", "40", env=env)
    assert code == 0 and "budget of the tenant: $40.00" in out, out
    code, out = await orchestrator(stack, "costs", env=env)
    assert code == 0 and "tenant budget" in out and "$40.00" in out, out

    async with client_for(stack) as api:
        refused = await api.put("/projects/nosuchproject/budget", json={"limit_usd": 5})
        assert refused.status_code == 404, refused.text
        refused = await api.put("/budget", json={"limit_usd": -1})
        assert refused.status_code == 422 and "more than $0" in refused.json()["detail"]
        refused = await api.put("/budget", json={"limit_usd": "lots"})
        assert refused.status_code == 422
        missing = await api.get("/projects/nosuchproject/costs")
        assert missing.status_code == 404
        tenant = await api.get("/costs")
        assert tenant.status_code == 200
        assert tenant.json()["budgets"] == [
            {"scope": "tenant", "limit_usd": 40.0, "spent_usd": 0.0, "exhausted": False}
        ]
