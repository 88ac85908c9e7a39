"""Timeouts and retry policies, in one place so operators can reason about them."""

from __future__ import annotations

from datetime import timedelta

from temporalio.common import RetryPolicy

# Errors that retrying cannot fix: bad input, or a provider that refused the request.
NON_RETRYABLE = ["InvalidInput", "NotFound", "ModelRequestRejected", "MergeConflict"]

STANDARD_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=30),
    maximum_attempts=4,
    non_retryable_error_types=NON_RETRYABLE,
)

QUICK = timedelta(seconds=60)  # DB writes, forge calls
MODEL_CALL = timedelta(minutes=5)  # one structured LLM answer
CODING = timedelta(minutes=30)  # a whole coding-agent session; it heartbeats
DEPLOY = timedelta(minutes=10)
HEARTBEAT = timedelta(seconds=15)
