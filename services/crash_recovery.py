"""After a crash, hand the work a dead worker held back to the living, at once.

Temporal notices a dead worker by itself, when an attempt's heartbeat timeout runs out.
But a stack that restarts after a crash knows more: it knows the identity its dead
worker used. Attempts still marked as started by that identity can never finish, so they
are failed right away (the retry policy then runs them again; activities are idempotent),
and each running workflow's sticky queue — which pointed at the dead worker — is reset so
its next workflow task goes to the new worker without waiting for a sticky timeout.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import structlog
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.enums.v1 import PendingActivityState
from temporalio.api.workflowservice.v1 import ResetStickyTaskQueueRequest
from temporalio.client import Client
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError

log = structlog.get_logger()

# Short, not zero: the retry must not race the failure it answers.
_RETRY_AFTER = timedelta(milliseconds=100)


@dataclass(frozen=True)
class Recovered:
    workflows: int
    attempts_released: int


async def release_dead_worker(
    client: Client, *, namespace: str, task_queue: str, dead_identity: str
) -> Recovered:
    workflows = released = 0
    query = f'TaskQueue="{task_queue}" AND ExecutionStatus="Running"'
    async for execution in client.list_workflows(query):
        workflows += 1
        ref = WorkflowExecution(workflow_id=execution.id, run_id=execution.run_id)
        try:
            await client.workflow_service.reset_sticky_task_queue(
                ResetStickyTaskQueueRequest(namespace=namespace, execution=ref)
            )
            description = await client.get_workflow_handle(
                execution.id, run_id=execution.run_id
            ).describe()
        except RPCError as err:  # finished meanwhile: nothing to release
            log.info("recovery skipped a workflow", workflow_id=execution.id, error=str(err))
            continue
        for pending in description.raw_description.pending_activities:
            started = pending.state == PendingActivityState.PENDING_ACTIVITY_STATE_STARTED
            if not started or pending.last_worker_identity != dead_identity:
                continue
            await _fail_attempt(client, execution.id, execution.run_id, pending.activity_id)
            released += 1
            log.info(
                "released an attempt of a dead worker",
                workflow_id=execution.id,
                activity=pending.activity_type.name,
                attempt=pending.attempt,
            )
    return Recovered(workflows=workflows, attempts_released=released)


async def _fail_attempt(client: Client, workflow_id: str, run_id: str, activity_id: str) -> None:
    handle = client.get_async_activity_handle(
        workflow_id=workflow_id, run_id=run_id, activity_id=activity_id
    )
    try:
        await handle.fail(
            ApplicationError(
                "the worker running this attempt died (the stack restarted after a crash)",
                type="WorkerDied",
                next_retry_delay=_RETRY_AFTER,
            )
        )
    except RPCError as err:  # it completed or timed out in the meantime: fine either way
        log.info("attempt already settled", workflow_id=workflow_id, error=str(err))
