"""ProjectWorkflow orchestration on the time-skipping server, with stand-in activities."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from temporalio.client import WorkflowFailureError
from temporalio.exceptions import CancelledError
from temporalio.testing import WorkflowEnvironment

from core.contracts import MissingItem, ProjectInput
from core.vocabulary import STAGES
from tests.workflows.stand_ins import StandIns
from workflows.project import ProjectWorkflow


async def run_project(
    env: WorkflowEnvironment, stand_ins: StandIns, **input_fields: object
) -> object:
    queue = f"q-{uuid.uuid4()}"
    project_id = uuid.uuid4().hex[:12]
    async with stand_ins.worker(env, queue):
        return await env.client.execute_workflow(
            ProjectWorkflow.run,
            ProjectInput(project_id=project_id, tenant_id="t1", idea="Weather bot", **input_fields),  # type: ignore[arg-type]
            id=f"project-{project_id}",
            task_queue=queue,
        )


async def test_runs_every_stage_in_order_and_reports_the_live_url(time_env: WorkflowEnvironment):
    stand_ins = StandIns()
    state = await run_project(time_env, stand_ins)

    assert state.status == "completed"  # type: ignore[attr-defined]
    assert [s.status for s in state.stages] == ["completed"] * len(STAGES)  # type: ignore[attr-defined]
    assert state.live_url == "http://127.0.0.1:18001"  # type: ignore[attr-defined]
    assert all(t.status == "merged" for t in state.tasks)  # type: ignore[attr-defined]
    order = [c.split(":")[0] for c in stand_ins.calls]
    assert order.index("architect.plan_tasks") < order.index("developer.write_code")
    assert order.index("reviewer.merge_pull_request") < order.index("devops.deploy_release")
    assert stand_ins.progress[-1].kind == "project_completed"


async def test_rework_sends_rejected_tasks_back_and_merges_them_next_round(
    time_env: WorkflowEnvironment,
):
    stand_ins = StandIns(reject_first_round={"weather"})
    state = await run_project(time_env, stand_ins)

    assert state.status == "completed"  # type: ignore[attr-defined]
    assert "developer.write_code:weather:r2" in stand_ins.calls
    assert "developer.write_code:health:r2" not in stand_ins.calls  # approved work is not redone
    assert state.review_round == 2  # type: ignore[attr-defined]


async def test_exhausted_review_rounds_escalate_and_the_timeout_policy_aborts(
    time_env: WorkflowEnvironment,
):
    stand_ins = StandIns(always_reject={"index"})
    with pytest.raises(WorkflowFailureError) as failure:
        await run_project(time_env, stand_ins, max_review_rounds=2)

    [escalation] = stand_ins.opened("escalation")
    assert "Review rounds exhausted (2); not merged: index" in escalation.item.prompt
    assert escalation.item.options == ["retry", "instruct", "skip", "abort"]
    assert "aborted (no answer within 3 day(s)" in str(failure.value.cause)
    assert stand_ins.progress[-1].kind == "project_failed"
    assert "devops.deploy_release" not in stand_ins.calls


async def test_a_stage_failing_after_its_retries_escalates_instead_of_hanging(
    time_env: WorkflowEnvironment,
):
    stand_ins = StandIns(failing_activity="architect.create_repository")
    with pytest.raises(WorkflowFailureError) as failure:
        await run_project(time_env, stand_ins)

    assert stand_ins.calls.count("architect.create_repository") == 4  # the retry policy's attempts
    [escalation] = stand_ins.opened("escalation")
    assert "architect failed: architect.create_repository exploded" in escalation.item.prompt
    assert "architect failed" in str(failure.value.cause)
    last = stand_ins.progress[-1]
    assert (last.kind, last.status) == ("project_failed", "failed")


async def test_a_rolled_back_deploy_fails_the_project(time_env: WorkflowEnvironment):
    stand_ins = StandIns(deploy_status="rolled_back")
    with pytest.raises(WorkflowFailureError) as failure:
        await run_project(time_env, stand_ins)
    assert "deploy rolled_back" in str(failure.value.cause)


@pytest.mark.parametrize("limit", [1, 3])
async def test_developers_respect_the_concurrency_limit(time_env: WorkflowEnvironment, limit: int):
    # Each developer works long enough for every one the limit lets in to overlap it.
    stand_ins = StandIns(tasks=("a1", "b2", "c3", "d4", "e5"), developer_seconds=0.5)
    state = await run_project(time_env, stand_ins, max_parallel_developers=limit)
    assert state.status == "completed"  # type: ignore[attr-defined]
    assert len([c for c in stand_ins.calls if c.startswith("developer.write_code")]) == 5
    assert stand_ins.most_developers_at_once <= limit
    if limit > 1:
        assert stand_ins.most_developers_at_once > 1


async def test_cancel_ends_the_project_cancelled_and_records_it(time_env: WorkflowEnvironment):
    stand_ins = StandIns(block_developers=True)
    queue = f"q-{uuid.uuid4()}"
    async with stand_ins.worker(time_env, queue):
        handle = await time_env.client.start_workflow(
            ProjectWorkflow.run,
            ProjectInput(project_id="p-cancel", tenant_id="t1", idea="Weather bot"),
            id=f"project-cancel-{uuid.uuid4()}",
            task_queue=queue,
        )
        while not any(c.startswith("developer.write_code") for c in stand_ins.calls):
            await asyncio.sleep(0.05)
        await handle.cancel()
        with pytest.raises(WorkflowFailureError) as failure:
            await handle.result()
        state = await handle.query(ProjectWorkflow.status)

    assert isinstance(failure.value.cause, CancelledError)
    assert state.status == "cancelled"
    assert state.stage_record("developer").status == "cancelled"
    assert state.stage_record("devops").status == "pending"
    assert stand_ins.progress[-1].kind == "project_cancelled"


async def test_nothing_is_deployed_while_readiness_lists_something_missing(
    time_env: WorkflowEnvironment,
):
    missing = MissingItem("secrets", "secret://p/WEATHER_API_KEY is not in the secret store")
    stand_ins = StandIns(not_ready=[missing])
    with pytest.raises(WorkflowFailureError):
        await run_project(time_env, stand_ins)

    [escalation] = stand_ins.opened("escalation")
    assert escalation.item.prompt == (
        "not ready to deploy: secrets: secret://p/WEATHER_API_KEY is not in the secret store"
    )
    assert "devops.check_readiness" in stand_ins.calls
    assert "devops.deploy_release" not in stand_ins.calls
