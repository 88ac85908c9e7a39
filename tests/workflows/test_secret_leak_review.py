"""A pull request holding a secret value is never merged: a person decides what happens."""

from __future__ import annotations

import pytest
from temporalio.client import WorkflowFailureError
from temporalio.testing import WorkflowEnvironment

from core.contracts import ProjectState, SecretLeak
from tests.workflows.stand_ins import StandIns
from tests.workflows.test_humans import next_item, project, reply

LEAK = SecretLeak("routes/weather.py", 12, "secret://p1/WEATHER_API_KEY")


@pytest.mark.parametrize("choice", ["retry", "instruct", "skip", "abort"])
async def test_a_leak_escalates_at_once_and_the_persons_choice_decides(
    time_env: WorkflowEnvironment, choice: str
) -> None:
    stand_ins = StandIns(leaks_once={"weather": LEAK})
    text = "read it from the environment" if choice == "instruct" else ""
    async with project(time_env, stand_ins, max_review_rounds=3) as (handle, _):
        escalation = await next_item(handle, "escalation")
        # In the first round, not after the rounds run out; and nothing was merged for it.
        assert escalation.stage == "reviewer" and "#3 (weather) blocked" in escalation.prompt
        assert str(LEAK) in escalation.prompt and str(LEAK) in escalation.context
        assert "reviewer.merge_pull_request:weather" not in stand_ins.calls
        await reply(handle, escalation, choice, text)
        try:
            state: ProjectState | None = await handle.result()
        except WorkflowFailureError as failure:
            state, error = None, str(failure.cause)

    rework = [i for i in stand_ins.developer_inputs if i.task_key == "weather" and i.round == 2]
    if choice == "abort":
        assert state is None and "secret values" in error and "aborted" in error
        assert "reviewer.merge_pull_request:weather" not in stand_ins.calls
        return
    assert state is not None and state.status == "completed"
    weather = next(t for t in state.tasks if t.key == "weather")
    if choice == "skip":
        assert not rework and weather.status == "skipped"
        assert "reviewer.merge_pull_request:weather" not in stand_ins.calls
        return
    [round_2] = rework
    assert weather.status == "merged"
    assert round_2.feedback.startswith(f"remove {LEAK}")
    instructions = "Instructions from ann: read it from the environment"
    assert (instructions in round_2.feedback) is (choice == "instruct")
