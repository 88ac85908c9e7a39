"""Change requests on the time-skipping server, with stand-in activities: order, outcomes, desk."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from temporalio.client import WorkflowFailureError
from temporalio.testing import WorkflowEnvironment

from core import changes as naming
from core.contracts import (
    ChangeInput,
    ChangeQueueInput,
    ChangeRequest,
    HumanReply,
    MissingSecret,
    ProjectInput,
)
from tests.workflows.stand_ins import StandIns
from tests.workflows.test_humans import next_item, reply
from workflows.change import ChangeWorkflow
from workflows.change_queue import ChangeQueueWorkflow


def _project(project_id: str) -> ProjectInput:
    return ProjectInput(project_id=project_id, tenant_id="t1", idea="Weather bot")


async def test_queued_changes_run_one_after_the_other_in_number_order(
    time_env: WorkflowEnvironment,
):
    stand_ins = StandIns(tasks=("stats",))
    queue, project_id = f"q-{uuid.uuid4()}", uuid.uuid4().hex[:12]
    async with stand_ins.worker(time_env, queue):
        handle = await time_env.client.start_workflow(
            ChangeQueueWorkflow.run,
            ChangeQueueInput(project=_project(project_id)),
            id=naming.queue_workflow_id(project_id),
            task_queue=queue,
            start_signal="enqueue",
            start_signal_args=[ChangeRequest(2, "add /hello")],
        )
        await handle.signal(ChangeQueueWorkflow.enqueue, ChangeRequest(1, "add /stats"))
        await handle.signal(ChangeQueueWorkflow.enqueue, ChangeRequest(2, "add /hello"))  # twice
        taken = await handle.result()

    # Number 2 started the queue, but 1 was waiting when it picked: both ran once.
    assert sorted(taken) == [1, 2] and len(taken) == 2
    ends = [(p.number, p.status) for p in stand_ins.change_progress if p.kind == "change_live"]
    assert sorted(ends) == [(1, "live"), (2, "live")]
    # One at a time: each change ended before the next began.
    order = [(p.kind, p.number) for p in stand_ins.change_progress]
    first, second = (n for kind, n in order if kind == "change_started")
    assert order.index(("change_live", first)) < order.index(("change_started", second))
    assert stand_ins.calls.count("devops.deploy_release") == 2


async def test_a_release_that_fails_health_ends_rolled_back_without_asking_anyone(
    time_env: WorkflowEnvironment,
):
    stand_ins = StandIns(tasks=("health",), deploy_status="rolled_back")
    queue, project_id = f"q-{uuid.uuid4()}", uuid.uuid4().hex[:12]
    async with stand_ins.worker(time_env, queue):
        outcome = await time_env.client.execute_workflow(
            ChangeWorkflow.run,
            change_input(project_id, 3, "put /health into maintenance (503)"),
            id=naming.change_workflow_id(project_id, 3),
            task_queue=queue,
        )
    assert outcome.status == "rolled_back"
    assert outcome.release_id == naming.release_id(3, "0123456789abcdef")
    assert stand_ins.inbox == []
    assert stand_ins.change_progress[-1].kind == "change_rolled_back"
    assert stand_ins.notifications[-1].startswith("Change #3 rolled back")


async def test_a_changes_question_has_its_own_id_and_is_answered_on_the_change(
    time_env: WorkflowEnvironment,
):
    stand_ins = StandIns(tasks=("stats",), questions=["Which counts?"])
    queue, project_id = f"q-{uuid.uuid4()}", uuid.uuid4().hex[:12]
    async with stand_ins.worker(time_env, queue):
        handle = await time_env.client.start_workflow(
            ChangeWorkflow.run,
            change_input(project_id, 1, "stats"),
            id=naming.change_workflow_id(project_id, 1),
            task_queue=queue,
        )
        while not (items := (await handle.query(ChangeWorkflow.status)).open_items()):
            await asyncio.sleep(0.05)
        assert items[0].id == f"q-{project_id}.c1-1"
        assert naming.change_of_item(items[0].id, project_id) == 1
        await handle.execute_update(
            ChangeWorkflow.reply, HumanReply(item_id=items[0].id, text="items per resource")
        )
        outcome = await handle.result()
    assert outcome.status == "live"
    assert stand_ins.calls.count("changes.write_spec") == 2


def change_input(project_id: str, number: int, text: str) -> ChangeInput:
    return ChangeInput(project=_project(project_id), change=ChangeRequest(number, text))


async def test_a_change_needing_a_new_secret_asks_the_owner_before_developers_start(
    time_env: WorkflowEnvironment,
):
    project_id = uuid.uuid4().hex[:12]
    key = MissingSecret(
        "EXCHANGE_RATES_API_KEY", "exchange-rate provider API key", f"secret://{project_id}/X"
    )
    stand_ins = StandIns(tasks=("rates",), missing_secrets=[[key]])
    queue = f"q-{uuid.uuid4()}"
    async with stand_ins.worker(time_env, queue):
        handle = await time_env.client.start_workflow(
            ChangeWorkflow.run,
            change_input(project_id, 1, "add /rates with today's exchange rates"),
            id=naming.change_workflow_id(project_id, 1),
            task_queue=queue,
        )
        item = await next_item(handle, "secret")
        assert item.options == [key.handle] and "exchange-rate provider" in item.prompt
        assert not any(c.startswith("developer.") for c in stand_ins.calls)
        await reply(handle, item, text=key.handle)  # only the handle answers it
        outcome = await handle.result()
        zavhoz = (await handle.query(ChangeWorkflow.status)).stage_record("zavhoz")

    assert outcome.status == "live"
    assert stand_ins.calls.count("zavhoz.allocate_resources") == 2  # asked, then looked again
    assert stand_ins.calls.index("zavhoz.allocate_resources") < stand_ins.calls.index(
        "devops.deploy_release"
    )
    assert "EXCHANGE_RATES_API_KEY given" in zavhoz.detail


async def test_a_change_whose_secret_lookup_keeps_failing_escalates_and_ends_failed_on_record(
    time_env: WorkflowEnvironment,
):
    stand_ins = StandIns(tasks=("rates",), failing_activity="zavhoz.allocate_resources")
    queue, project_id = f"q-{uuid.uuid4()}", uuid.uuid4().hex[:12]
    async with stand_ins.worker(time_env, queue):
        handle = await time_env.client.start_workflow(
            ChangeWorkflow.run,
            change_input(project_id, 4, "add /rates"),
            id=naming.change_workflow_id(project_id, 4),
            task_queue=queue,
        )
        escalation = await next_item(handle, "escalation")
        assert "zavhoz failed: zavhoz.allocate_resources exploded" in escalation.prompt
        await reply(handle, escalation, "abort")
        with pytest.raises(WorkflowFailureError) as failure:
            await handle.result()

    assert "zavhoz failed" in str(failure.value.cause)
    assert not any(c.startswith("developer.") for c in stand_ins.calls)
    last = stand_ins.change_progress[-1]
    assert (last.kind, last.status) == ("change_failed", "failed")  # the row is not left running
    assert stand_ins.notifications[-1].startswith("Change #4 failed: zavhoz failed")
