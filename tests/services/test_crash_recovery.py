"""Crash recovery frees exactly the attempts the dead worker held, at once, not at a timeout."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.api.enums.v1 import PendingActivityState
from temporalio.client import WorkflowHandle
from temporalio.common import RetryPolicy
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

with workflow.unsafe.imports_passed_through():  # the workflow sandbox re-imports this module
    from services.crash_recovery import release_dead_worker

# Far longer than the test may take: only the recovery can explain a quick second attempt.
HEARTBEAT_TIMEOUT = timedelta(seconds=120)


@activity.defn(name="crash_recovery_test.work")
async def work() -> int:
    if activity.info().attempt == 1:
        await asyncio.Event().wait()  # the attempt a dead worker would have held forever
    return activity.info().attempt


@workflow.defn(name="CrashRecoveryTestWorkflow")
class HoldingWorkflow:
    @workflow.run
    async def run(self) -> int:
        return await workflow.execute_activity(
            work,
            start_to_close_timeout=timedelta(minutes=10),
            heartbeat_timeout=HEARTBEAT_TIMEOUT,
            retry_policy=RetryPolicy(initial_interval=timedelta(seconds=30), maximum_attempts=3),
        )


async def first_attempt_started(handle: WorkflowHandle[HoldingWorkflow, int]) -> None:
    started = PendingActivityState.PENDING_ACTIVITY_STATE_STARTED
    for _ in range(200):
        pending = (await handle.describe()).raw_description.pending_activities
        if pending and pending[0].state == started:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the first attempt never started")


async def test_only_the_dead_workers_attempts_are_failed_and_they_run_again_at_once(
    dev_env: WorkflowEnvironment,
):
    client, queue = dev_env.client, f"recovery-{uuid.uuid4()}"
    dead = f"123-456@{queue}"
    async with Worker(
        client, task_queue=queue, workflows=[HoldingWorkflow], activities=[work], identity=dead
    ):
        handle = await client.start_workflow(
            HoldingWorkflow.run, id=f"holding-{uuid.uuid4()}", task_queue=queue
        )
        await first_attempt_started(handle)

        others = await release_dead_worker(
            client, namespace="default", task_queue=queue, dead_identity="789-1@elsewhere"
        )
        assert (others.workflows, others.attempts_released) == (1, 0)

        started = time.monotonic()
        freed = await release_dead_worker(
            client, namespace="default", task_queue=queue, dead_identity=dead
        )
        assert (freed.workflows, freed.attempts_released) == (1, 1)
        # The failure asks for a retry in 0.1 s, overriding the policy's 30 s back-off.
        assert await asyncio.wait_for(handle.result(), timeout=20) == 2
        assert time.monotonic() - started < 20
