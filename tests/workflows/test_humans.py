"""People in the loop: questions, gates, escalations, reminders and timeouts — durably."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

import pytest
from temporalio.client import WorkflowFailureError, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from core.contracts import (
    Cost,
    EscalationPolicy,
    Gates,
    HumanReply,
    InboxItem,
    ProjectInput,
    ProjectState,
)
from tests.workflows.stand_ins import StandIns
from workflows.project import ProjectWorkflow

Handle = WorkflowHandle[ProjectWorkflow, ProjectState]


@asynccontextmanager
async def project(
    env: WorkflowEnvironment, stand_ins: StandIns, **fields: Any
) -> AsyncIterator[tuple[Handle, str]]:
    queue = f"q-{uuid.uuid4()}"
    async with stand_ins.worker(env, queue):
        handle = await env.client.start_workflow(
            ProjectWorkflow.run,
            ProjectInput(project_id="p1", tenant_id="t1", idea="Weather bot", **fields),
            id=f"project-{uuid.uuid4()}",
            task_queue=queue,
        )
        yield handle, queue


async def next_item(handle: Handle, kind: str | None = None) -> InboxItem:
    """The open inbox item the workflow is waiting on (polled through the status query)."""
    for _ in range(400):
        try:
            state = await handle.query(ProjectWorkflow.status)
        except RPCError:  # a fresh run after continue-as-new has not taken its first task yet
            await asyncio.sleep(0.025)
            continue
        open_items = [i for i in state.open_items() if kind in (None, i.kind)]
        if open_items:
            return open_items[0]
        await asyncio.sleep(0.025)
    raise AssertionError(f"no open {kind or 'item'}")


async def reply(handle: Handle, item: InboxItem, choice: str = "", text: str = "") -> str:
    return await handle.execute_update(
        ProjectWorkflow.reply, HumanReply(item_id=item.id, choice=choice, text=text, user="ann")
    )


async def test_brainstorm_questions_are_answered_and_the_answers_reach_the_model(
    time_env: WorkflowEnvironment,
):
    stand_ins = StandIns(questions=["Which cities?"])
    async with project(time_env, stand_ins) as (handle, _):
        question = await next_item(handle, "question")
        assert question.prompt == "Which cities? (turn 1)"
        assert await reply(handle, question, text="Oslo; also ' DROP TABLE; {{garbage") == (
            f"'{question.id}' answered"
        )
        state = await handle.result()

    assert state.status == "completed"
    second_turn = stand_ins.brainstorms[-1]
    assert second_turn.turn == 2
    assert second_turn.conversation[0].answer == "Oslo; also ' DROP TABLE; {{garbage"
    assert [c.change for c in stand_ins.inbox] == ["opened", "answered"]


async def test_replies_that_cannot_be_taken_are_refused_with_a_reason_and_change_nothing(
    time_env: WorkflowEnvironment,
):
    stand_ins = StandIns()
    async with project(time_env, stand_ins, owner="ann", gates=Gates(spec=True)) as (handle, _):
        gate = await next_item(handle, "approval")

        async def refused(reply: HumanReply) -> str:
            with pytest.raises(WorkflowUpdateFailedError) as failure:
                await handle.execute_update(ProjectWorkflow.reply, reply)
            return str(failure.value.cause)

        ok = HumanReply(item_id=gate.id, choice="approve", user="ann")
        assert "not p2" in await refused(replace(ok, project_id="p2"))
        assert "another tenant" in await refused(replace(ok, tenant_id="t2"))
        assert "only the project owner (ann)" in await refused(
            HumanReply(item_id=gate.id, choice="approve", user="bob")
        )
        assert "approve or reject" in await refused(
            HumanReply(item_id=gate.id, choice="maybe", user="ann")
        )
        assert "has no question 'q-nope'" in await refused(
            HumanReply(item_id="q-nope", choice="approve", user="ann")
        )
        state = await handle.query(ProjectWorkflow.status)
        assert state.open_items()[0].id == gate.id  # nothing changed

        await handle.execute_update(ProjectWorkflow.reply, ok)
        stale = await refused(ok)
        assert f"'{gate.id}' is closed (it was answered)" in stale
        await handle.result()


async def test_spec_rejection_feeds_back_into_the_spec_and_approval_lets_it_go_on(
    time_env: WorkflowEnvironment,
):
    stand_ins = StandIns()
    async with project(time_env, stand_ins, gates=Gates(spec=True)) as (handle, _):
        await reply(handle, await next_item(handle, "approval"), "reject", "Add Celsius only")
        await reply(handle, await next_item(handle, "approval"), "approve")
        state = await handle.result()

    assert state.status == "completed"
    assert stand_ins.brainstorms[-1].conversation[-1].answer == "Add Celsius only"
    assert state.stage_record("brainstorm").detail == "spec 'Weather bot' approved by ann"


async def test_deploy_gate_holds_the_release_until_approved(time_env: WorkflowEnvironment):
    stand_ins = StandIns()
    async with project(time_env, stand_ins, gates=Gates(deploy=True)) as (handle, _):
        gate = await next_item(handle, "approval")
        assert gate.prompt.startswith("Deploy release r1-")
        assert "devops.deploy_release" not in stand_ins.calls
        await reply(handle, gate, "approve")
        state = await handle.result()
    assert state.live_url and "devops.deploy_release" in stand_ins.calls


async def test_a_rejected_deploy_ends_the_project_without_deploying(time_env: WorkflowEnvironment):
    stand_ins = StandIns()
    async with project(time_env, stand_ins, gates=Gates(deploy=True)) as (handle, _):
        await reply(handle, await next_item(handle, "approval"), "reject", "not on a Friday")
        with pytest.raises(WorkflowFailureError) as failure:
            await handle.result()
    assert "devops: not approved (not on a Friday)" in str(failure.value.cause)
    assert "devops.deploy_release" not in stand_ins.calls


async def test_spending_needs_approval_only_when_money_is_involved(time_env: WorkflowEnvironment):
    stand_ins = StandIns(costs=[Cost("domain weather.example", 1.5)])
    async with project(time_env, stand_ins, gates=Gates(spending=True)) as (handle, _):
        gate = await next_item(handle, "approval")
        assert "domain weather.example: $1.50/month" in gate.prompt
        await reply(handle, gate, "approve")
        assert (await handle.result()).status == "completed"

    free = StandIns()
    async with project(time_env, free, gates=Gates(spending=True)) as (handle, _):
        assert (await handle.result()).status == "completed"
    assert free.opened() == []


async def test_a_breaking_change_waits_for_merge_approval_and_rejection_sends_it_back(
    time_env: WorkflowEnvironment,
):
    stand_ins = StandIns(breaking={"weather"})
    async with project(time_env, stand_ins, gates=Gates(merge=True)) as (handle, _):
        gate = await next_item(handle, "approval")
        assert gate.task_key == "weather" and "breaking" in gate.prompt
        await reply(handle, gate, "reject", "keep the old response shape")
        await reply(handle, await next_item(handle, "approval"), "approve")
        state = await handle.result()

    assert "developer.write_code:weather:r2" in stand_ins.calls
    assert stand_ins.calls.count("reviewer.merge_pull_request:weather") == 1
    assert state.status == "completed"


@pytest.mark.parametrize("choice", ["retry", "instruct", "skip", "abort"])
async def test_an_escalation_resumes_with_the_persons_choice(
    time_env: WorkflowEnvironment, choice: str
):
    stand_ins = StandIns(always_reject={"index"})
    text = "use a lock around the list" if choice == "instruct" else ""
    async with project(time_env, stand_ins, max_review_rounds=2) as (handle, _):
        escalation = await next_item(handle, "escalation")
        stand_ins.always_reject = set()  # whatever a person decides, the next try can pass
        await reply(handle, escalation, choice, text)
        try:
            state: ProjectState | None = await handle.result()
        except WorkflowFailureError as failure:
            state, error = None, str(failure.cause)

    third = [i for i in stand_ins.developer_inputs if i.task_key == "index" and i.round == 3]
    if choice == "abort":
        assert state is None and "Review rounds exhausted (2)" in error and "aborted" in error
        assert not third and "devops.deploy_release" not in stand_ins.calls
        return
    assert state is not None and state.status == "completed"
    index = next(t for t in state.tasks if t.key == "index")
    if choice == "skip":
        assert not third and index.status == "skipped"
        return
    [round_3] = third
    assert index.status == "merged"
    assert round_3.feedback.startswith("fix the tests")  # the reviewer's comments go along
    instructions = "Instructions from ann: use a lock around the list"
    assert (instructions in round_3.feedback) is (choice == "instruct")


async def test_a_failed_stage_is_retried_when_a_person_says_so(time_env: WorkflowEnvironment):
    stand_ins = StandIns(fail_first={"architect.plan_tasks": 4})  # all four attempts fail
    async with project(time_env, stand_ins) as (handle, _):
        escalation = await next_item(handle, "escalation")
        assert "architect failed" in escalation.prompt
        await reply(handle, escalation, "retry")
        state = await handle.result()
    assert state.status == "completed"
    assert stand_ins.calls.count("architect.plan_tasks") == 5


async def test_reminders_then_the_timeout_policy_after_days_of_silence(
    time_env: WorkflowEnvironment,
):
    stand_ins = StandIns(always_reject={"index"})
    policy = EscalationPolicy(reminder_every_s=6 * 3600, timeout_s=2 * 86400, on_timeout="skip")
    async with project(time_env, stand_ins, escalation=policy) as (handle, _):
        state = await handle.result()  # two days pass in moments

    changes = [c.change for c in stand_ins.inbox]
    assert changes.count("reminded") == 7  # every 6 hours for 2 days, then the deadline
    assert changes[-1] == "expired"
    assert state.status == "completed"
    assert next(t for t in state.tasks if t.key == "index").status == "skipped"


async def test_an_unanswered_approval_times_out_rejected(time_env: WorkflowEnvironment):
    stand_ins = StandIns()
    policy = EscalationPolicy(reminder_every_s=86400, timeout_s=3 * 86400)
    async with project(time_env, stand_ins, gates=Gates(deploy=True), escalation=policy) as (
        handle,
        _,
    ):
        with pytest.raises(WorkflowFailureError) as failure:
            await handle.result()
    assert "not approved (no decision within 3 day(s))" in str(failure.value.cause)


async def test_an_answer_sent_while_no_worker_runs_is_not_lost(dev_env: WorkflowEnvironment):
    # On the real dev server: it hands the waiting workflow to the next worker that polls.
    stand_ins = StandIns(questions=["Which cities?"])
    queue = f"q-{uuid.uuid4()}"
    async with stand_ins.worker(dev_env, queue):
        handle = await dev_env.client.start_workflow(
            ProjectWorkflow.run,
            ProjectInput(project_id="p1", tenant_id="t1", idea="Weather bot"),
            id=f"project-{uuid.uuid4()}",
            task_queue=queue,
        )
        question = await next_item(handle, "question")
    # The worker is gone: an update could not be validated, the queued signal is kept.
    await handle.signal(
        ProjectWorkflow.reply_queued, HumanReply(item_id=question.id, text="Oslo", user="ann")
    )
    async with stand_ins.worker(dev_env, queue):
        state = await handle.result()
    assert state.status == "completed"
    assert state.conversation[0].answer == "Oslo"


async def test_a_queued_reply_that_cannot_be_taken_is_recorded_not_applied(
    time_env: WorkflowEnvironment,
):
    stand_ins = StandIns(questions=["Which cities?"])
    async with project(time_env, stand_ins, owner="ann") as (handle, _):
        question = await next_item(handle, "question")
        await handle.signal(
            ProjectWorkflow.reply_queued, HumanReply(item_id=question.id, text="x", user="eve")
        )
        await reply(handle, question, text="Oslo")
        state = await handle.result()
    assert state.rejected_replies == [
        f"reply to '{question.id}' from eve refused: only the project owner (ann) can answer"
    ]
    assert [c.change for c in stand_ins.inbox] == ["opened", "rejected", "answered"]


async def test_a_long_conversation_continues_as_new_without_losing_context(
    dev_env: WorkflowEnvironment,
):
    # On the dev server: the time-skipping test server sometimes stalls an update sent
    # while a run hands over to its continue-as-new successor.
    stand_ins = StandIns(questions=["More detail?"], ask_every_turn=True)
    async with project(
        dev_env, stand_ins, max_brainstorm_turns=5, continue_as_new_after_turns=2
    ) as (handle, _):
        first_run = (await handle.describe()).run_id
        for answer in ("a1", "a2", "a3", "a4"):
            await reply(handle, await next_item(handle, "question"), text=answer)
        state = await handle.result()
        last_run = (await handle.describe()).run_id

    assert last_run != first_run
    assert [qa.answer for qa in state.conversation] == ["a1", "a2", "a3", "a4"]
    assert [b.turn for b in stand_ins.brainstorms] == [1, 2, 3, 4, 5]
    assert stand_ins.brainstorms[-1].conversation[-1].answer == "a4"
    assert state.status == "completed"


async def test_a_stage_that_cannot_be_skipped_does_not_offer_skip(time_env: WorkflowEnvironment):
    stand_ins = StandIns(fail_first={"devops.deploy_release": 4})
    async with project(time_env, stand_ins) as (handle, _):
        escalation = await next_item(handle, "escalation")
        assert escalation.options == ["retry", "instruct", "abort"]
        with pytest.raises(WorkflowUpdateFailedError):
            await reply(handle, escalation, "skip")
        await reply(handle, escalation, "retry")
        state = await handle.result()
    assert state.status == "completed" and state.live_url


async def test_skipping_a_failed_developer_skips_that_task_and_goes_on(
    time_env: WorkflowEnvironment,
):
    stand_ins = StandIns(fail_first={"developer.write_code:index:r1": 4})
    async with project(time_env, stand_ins) as (handle, _):
        escalation = await next_item(handle, "escalation")
        assert "developer failed" in escalation.prompt and "skip" in escalation.options
        await reply(handle, escalation, "skip")
        state = await handle.result()
    assert state.status == "completed"
    assert {t.key: t.status for t in state.tasks} == {
        "health": "merged",
        "index": "skipped",
        "weather": "merged",
    }
    assert "reviewer.review_pull_request:index" not in stand_ins.calls


async def test_retrying_the_developer_stage_redoes_only_the_failed_task(
    time_env: WorkflowEnvironment,
):
    stand_ins = StandIns(fail_first={"developer.write_code:index:r1": 4})
    async with project(time_env, stand_ins) as (handle, _):
        await reply(handle, await next_item(handle, "escalation"), "retry")
        state = await handle.result()
    assert state.status == "completed"
    coded = [c for c in stand_ins.calls if c.startswith("developer.write_code")]
    assert sorted(set(coded)) == [
        "developer.write_code:health:r1",
        "developer.write_code:index:r1",
        "developer.write_code:index:r2",
        "developer.write_code:weather:r1",
    ]
