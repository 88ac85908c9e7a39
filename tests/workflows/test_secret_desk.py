"""A secret the spec needs: asked through the desk, answered only by its handle, re-checked."""

from __future__ import annotations

import pytest
from temporalio.client import WorkflowFailureError, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from core.contracts import EscalationPolicy, MissingSecret
from tests.workflows.stand_ins import StandIns
from tests.workflows.test_humans import next_item, project, reply

KEY = MissingSecret("WEATHER_API_KEY", "weather provider API key", "secret://p1/WEATHER_API_KEY")
MAPS = MissingSecret("MAPS_API_KEY", "maps provider API key", "secret://p1/MAPS_API_KEY")


async def test_each_missing_secret_is_asked_and_only_its_handle_answers(
    time_env: WorkflowEnvironment,
):
    # Both missing at first; after the answers the store still lacks the maps key once.
    stand_ins = StandIns(missing_secrets=[[KEY, MAPS], [MAPS]])
    async with project(time_env, stand_ins) as (handle, _):
        first = await next_item(handle, "secret")
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await reply(handle, first, text="the-value-itself")
        assert "orchestrator secrets set p1 WEATHER_API_KEY" in str(refused.value.cause)
        await reply(handle, first, text=KEY.handle)
        second = await next_item(handle, "secret")
        assert second.options == [MAPS.handle] and "maps provider API key" in second.prompt
        await reply(handle, second, text=MAPS.handle)
        third = await next_item(handle, "secret")  # asked again: the store still lacks it
        assert third.id != second.id and third.options == [MAPS.handle]
        await reply(handle, third, text=MAPS.handle)
        state = await handle.result()

    assert state.status == "completed"
    assert stand_ins.calls.count("zavhoz.allocate_resources") == 3
    asked = [c.item.options for c in stand_ins.opened("secret")]
    # The first two are opened at once, so their records may arrive in either order.
    assert sorted(asked[:2]) == sorted([[KEY.handle], [MAPS.handle]])
    assert asked[2:] == [[MAPS.handle]]
    assert "the-value-itself" not in str(stand_ins.inbox)


async def test_a_secret_never_given_fails_the_project_under_the_timeout_policy(
    time_env: WorkflowEnvironment,
):
    stand_ins = StandIns(missing_secrets=[[KEY]])
    policy = EscalationPolicy(reminder_every_s=86400, timeout_s=2 * 86400, on_timeout="abort")
    async with project(time_env, stand_ins, escalation=policy) as (handle, _):
        with pytest.raises(WorkflowFailureError) as failure:
            await handle.result()
    assert "secrets not given in time: WEATHER_API_KEY" in str(failure.value.cause)
    kinds = [c.item.kind for c in stand_ins.opened()]
    assert kinds == ["secret", "escalation"]
