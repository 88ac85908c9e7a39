"""Scheduling an activity under one of the named policies, typed end to end."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.workflow import ActivityCancellationType

with workflow.unsafe.imports_passed_through():
    from workflows.policies import ActivityPolicy

Arg = TypeVar("Arg")
Result = TypeVar("Result")


async def run_activity(
    method: Callable[[Any, Arg], Awaitable[Result]],
    arg: Arg,
    policy: ActivityPolicy,
    *,
    cancellation_type: ActivityCancellationType = ActivityCancellationType.TRY_CANCEL,
) -> Result:
    return await workflow.execute_activity_method(
        method,
        arg,
        start_to_close_timeout=policy.start_to_close,
        heartbeat_timeout=policy.heartbeat,
        retry_policy=policy.retry,
        cancellation_type=cancellation_type,
    )
