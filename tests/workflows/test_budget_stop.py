"""A used-up budget in the workflow: the step that found it waits for the owner, then runs
again with the raised budget, or the project stops. Parallel developers ask once."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from temporalio.client import WorkflowFailureError, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from core import changes as naming
from core.contracts import HumanReply
from tests.workflows.stand_ins import StandIns
from tests.workflows.test_change_workflow import change_input
from tests.workflows.test_humans import next_item, project, reply
from workflows.change import ChangeWorkflow
from workflows.project import ProjectWorkflow


async def test_developers_at_a_used_up_budget_ask_once_and_all_run_again_after_a_raise(
    time_env: WorkflowEnvironment,
):
    # Every one of the three parallel developers finds the budget used up once.
    stand_ins = StandIns(budget_stops={"developer.write_code": 3})
    async with project(time_env, stand_ins, max_parallel_developers=3) as (handle, _):
        item = await next_item(handle, "approval")
        assert item.stage == "developer" and "Budget reached" in item.prompt
        assert "project budget $1.00, spent $1.50" in item.prompt
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await reply(handle, item, "approve", "1.20")  # not above what is spent
        assert "more than the $1.50 already spent" in str(refused.value.cause)
        await reply(handle, item, "approve", "$20")
        state = await handle.result()

    assert state.status == "completed", state.error
    assert [(c.scope, c.limit_usd, c.set_by) for c in stand_ins.budgets_set] == [
        ("project", 20.0, "ann")
    ]
    budget_items = [c for c in stand_ins.opened("approval") if "Budget" in c.item.prompt]
    assert len(budget_items) == 1  # not one per developer
    # Each task ran its developer again (a child of its own id) and was merged.
    assert sorted(c for c in stand_ins.calls if c.startswith("reviewer.merge")) == [
        "reviewer.merge_pull_request:health",
        "reviewer.merge_pull_request:index",
        "reviewer.merge_pull_request:weather",
    ]


async def test_an_approval_without_an_amount_doubles_the_budget(time_env: WorkflowEnvironment):
    stand_ins = StandIns(budget_stops={"reviewer.review_pull_request": 1})
    async with project(time_env, stand_ins) as (handle, _):
        item = await next_item(handle, "approval")
        assert item.stage == "reviewer"
        await reply(handle, item, "approve")  # a Telegram button carries no amount
        state = await handle.result()

    assert state.status == "completed", state.error
    assert [c.limit_usd for c in stand_ins.budgets_set] == [2.0]


async def test_rejecting_a_budget_raise_stops_the_project_before_the_next_model_call(
    time_env: WorkflowEnvironment,
):
    stand_ins = StandIns(budget_stops={"architect.plan_tasks": 1})
    async with project(time_env, stand_ins) as (handle, _):
        item = await next_item(handle, "approval")
        await reply(handle, item, "reject", "enough")
        with pytest.raises(WorkflowFailureError):
            await handle.result()
        state = await handle.query(ProjectWorkflow.status)

    assert state.status == "failed"
    assert "stopped at the project budget $1.00" in state.error and "enough" in state.error
    assert stand_ins.budgets_set == []
    assert not [c for c in stand_ins.calls if c.startswith("developer.")]


async def test_a_change_request_pauses_at_a_used_up_budget_on_its_own_desk(
    time_env: WorkflowEnvironment,
):
    stand_ins = StandIns(tasks=("stats",), budget_stops={"changes.plan_tasks": 1})
    queue, project_id = f"q-{uuid.uuid4()}", uuid.uuid4().hex[:12]
    async with stand_ins.worker(time_env, queue):
        handle = await time_env.client.start_workflow(
            ChangeWorkflow.run,
            change_input(project_id, 1, "add /stats"),
            id=naming.change_workflow_id(project_id, 1),
            task_queue=queue,
        )
        while not (items := (await handle.query(ChangeWorkflow.status)).open_items()):
            await asyncio.sleep(0.05)
        assert items[0].id == f"a-{project_id}.c1-1" and "Budget reached" in items[0].prompt
        await handle.execute_update(
            ChangeWorkflow.reply, HumanReply(item_id=items[0].id, choice="approve", text="5")
        )
        outcome = await handle.result()

    assert outcome.status == "live"
    assert [(c.project_id, c.limit_usd) for c in stand_ins.budgets_set] == [(project_id, 5.0)]
    assert stand_ins.calls.count("changes.plan_tasks") == 2


async def test_rejecting_a_budget_raise_cancels_the_developers_still_coding(
    time_env: WorkflowEnvironment,
):
    # One developer finds the budget used up; the two others are mid-session (blocked).
    stand_ins = StandIns(budget_stops={"developer.write_code": 1}, block_developers=True)
    async with project(time_env, stand_ins, max_parallel_developers=3) as (handle, _):
        item = await next_item(handle, "approval")
        assert "developer sessions under way (up to 3) stop before" in item.prompt
        await reply(handle, item, "reject", "enough")
        # Without the cancel the project would wait on the blocked sessions for good.
        with pytest.raises(WorkflowFailureError):
            await asyncio.wait_for(handle.result(), timeout=60)
        state = await handle.query(ProjectWorkflow.status)

    assert state.status == "failed"
    assert "stopped at the project budget" in state.error and "enough" in state.error
    assert stand_ins.developers_at_once == 0  # their sessions were stopped, not left running
    assert not [c for c in stand_ins.calls if c.startswith("developer.open_pull_request")]
    assert stand_ins.progress[-1].kind == "project_failed"
