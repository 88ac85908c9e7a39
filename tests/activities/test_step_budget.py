"""A coding session that started under budget stops at the step its spend reaches it.

Real database, real local forge and git, the process sandbox, the real budget check; the
model is a scripted stand-in for an external provider, priced at $1 a call."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.context import ActivityContext
from activities.developer import DeveloperActivities, branch_for
from activities.step_budget import StepBudget
from adapters.forge import git
from adapters.forge.local import LocalForge
from adapters.llm.base import ChatMessage, ToolCall
from adapters.sandbox.process import ProcessSandbox
from adapters.secrets.factory import build_secret_store
from agents.coding_agent import CodingResult, run_coding_agent
from agents.transcript import read_transcript
from core.budgets import BUDGET_EXHAUSTED
from core.contracts import DeveloperInput
from core.model_prices import ModelPrice
from core.settings import CostSettings, Settings
from db.engine import SessionFactory, transaction
from db.repositories import budgets, events, usage
from tests.activities.test_developer_transcript import TENANT, _project_with_task
from tests.agents.scripted_model import ScriptedToolModel
from tests.local_forge import sessions  # noqa: F401 - fixture

# 10 prompt tokens a reply at $100 000 per 1M: each call costs $1.
DOLLAR_A_CALL = {"s": ModelPrice(input=100_000.0, output=0.0)}
BRIEF = [ChatMessage("system", "You are a developer."), ChatMessage("user", "Write notes.")]


def a_file_each_step(step: int) -> ToolCall:
    return ToolCall(f"c{step}", "write_file", {"path": f"notes/{step}.md", "content": "x"})


async def test_a_session_stops_at_the_step_its_spend_reaches_the_budget(
    sessions: SessionFactory,  # noqa: F811
    tmp_path: Path,
) -> None:
    settings = Settings(home=tmp_path / "home", costs=CostSettings(model_prices=DOLLAR_A_CALL))
    forge = LocalForge(root=tmp_path / "forge", sessions=sessions, tenant_id=TENANT)
    project_id = await _project_with_task(sessions, forge, tmp_path / "work")
    async with transaction(sessions) as session:
        await budgets.put(session=session, tenant_id=TENANT, project_id=project_id, limit_usd=3.0)
    ctx = ActivityContext(
        settings=settings, sessions=sessions, secrets=build_secret_store(settings)
    )
    model = ScriptedToolModel(a_file_each_step)
    developer = DeveloperActivities(ctx, model, forge, ProcessSandbox())

    with pytest.raises(ApplicationError) as raised:
        await ActivityEnvironment().run(
            developer.write_code,
            DeveloperInput(project_id=project_id, tenant_id=TENANT, task_key="notes"),
        )

    assert raised.value.type == BUDGET_EXHAUSTED and raised.value.non_retryable
    assert "project budget of $3.00 reached" in raised.value.message
    assert model.requests == 3, "no model call after the step that reached the budget"
    async with transaction(sessions) as session:
        rows = await usage.list_for_project(
            session=session, tenant_id=TENANT, project_id=project_id
        )
        logged = await events.list_for_project(
            session=session, tenant_id=TENANT, project_id=project_id
        )
    assert [r.cost_usd for r in rows] == pytest.approx([1.0, 1.0, 1.0]), "each paid call once"
    stopped = [e for e in logged if e.kind == "coding_agent_stopped"]
    assert len(stopped) == 1 and stopped[0].payload["stop"] == "budget"
    assert stopped[0].payload["steps"] == 3
    entries = read_transcript(settings.data_dir / stopped[0].payload["transcript"])
    assert entries[-1]["stop"] == "budget"
    assert not any(e.kind == "code_written" for e in logged)
    repo = await forge.ensure_repository(owner="orchestrator", name="notes", description="Notes")
    pushed = await git.remote_head(
        repo.clone_url, branch_for("notes"), credential=await forge.git_credential(repo)
    )
    assert pushed is None, "half-done work is not pushed"


async def test_parallel_sessions_stop_on_their_shared_spend(
    sessions: SessionFactory,  # noqa: F811
    tmp_path: Path,
) -> None:
    # Two developers coding at once, $4 between them: each sees the other's paid calls at its
    # next step, so together they stop near $4, not at 25 steps each.
    settings = Settings(home=tmp_path / "home", costs=CostSettings(model_prices=DOLLAR_A_CALL))
    forge = LocalForge(root=tmp_path / "forge", sessions=sessions, tenant_id=TENANT)
    project_id = await _project_with_task(sessions, forge, tmp_path / "work")
    async with transaction(sessions) as session:
        await budgets.put(session=session, tenant_id=TENANT, project_id=project_id, limit_usd=4.0)
    ctx = ActivityContext(
        settings=settings, sessions=sessions, secrets=build_secret_store(settings)
    )
    models = [ScriptedToolModel(a_file_each_step) for _ in range(2)]

    async def develop(index: int) -> CodingResult:
        return await run_coding_agent(
            model=models[index],
            sandbox=ProcessSandbox(),
            workspace=tmp_path / f"ws{index}",
            messages=BRIEF,
            budget=StepBudget(ctx, TENANT, project_id, f"developer:t{index}"),
        )

    async def both() -> list[CodingResult]:
        return list(await asyncio.gather(develop(0), develop(1)))

    results = await ActivityEnvironment().run(both)

    assert [r.stop for r in results] == ["budget", "budget"]
    calls = sum(m.requests for m in models)
    assert 4 <= calls <= 5, "past $4 only by the call the other session had in flight"
    async with transaction(sessions) as session:
        rows = await usage.list_for_project(
            session=session, tenant_id=TENANT, project_id=project_id
        )
    # Recorded as they go: the check that stopped each session recorded its last call first.
    assert len(rows) == calls
