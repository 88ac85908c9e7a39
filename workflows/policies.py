"""Timeouts and retry policies, in one place so operators can reason about them.

Every activity is scheduled with a short heartbeat timeout, and every activity heartbeats
in the background while it runs (activities/heartbeat.py, installed on the worker). So a
worker that dies — alone or with the whole stack — is noticed within HEARTBEAT, not when a
start-to-close timeout of minutes runs out, and the retry (activities are idempotent)
finishes what the dead attempt left half done. Start-to-close only bounds a live but
stuck attempt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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

# How long an attempt may go without a heartbeat before it counts as dead. Heartbeats go
# out every HEARTBEAT_EVERY (the worker's throttle), so a live attempt misses this only
# if its event loop is blocked for seconds, which no activity does.
HEARTBEAT = timedelta(seconds=5)
HEARTBEAT_EVERY = timedelta(seconds=1)


# A workflow task (replaying and deciding, milliseconds here) that a dead worker had taken
# is handed out again only after this; Temporal's default is 10 s. Histories stay short
# (continue-as-new), so a live worker needs a fraction of it.
WORKFLOW_TASK = timedelta(seconds=4)


@dataclass(frozen=True)
class ActivityPolicy:
    start_to_close: timedelta
    heartbeat: timedelta = HEARTBEAT
    retry: RetryPolicy = field(default_factory=lambda: STANDARD_RETRY)


BOOKKEEPING = ActivityPolicy(timedelta(seconds=60))  # DB writes, inbox, progress, notify
FORGE = ActivityPolicy(timedelta(seconds=60))  # repository, pull request, merge calls
FORGE_SYNC = ActivityPolicy(timedelta(minutes=5))  # every active project's pull requests
MODEL_CALL = ActivityPolicy(timedelta(minutes=5))  # one structured LLM answer (+ tests)
CODING = ActivityPolicy(timedelta(minutes=30))  # a whole coding-agent session
DEPLOY = ActivityPolicy(timedelta(minutes=10))  # an Ansible run with its health check
