"""The github_sync Schedule: GithubSyncWorkflow every FORGE_SYNC_INTERVAL_S.

Created or updated at every startup (`orchestrator up`, `python -m worker`), so however often
a stack starts there is one schedule, and a changed interval takes effect on the next start.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
)

from core.contracts import ForgeSyncInput
from core.settings import Settings
from services.schedules.ensure import ensure_schedule
from workflows import policies
from workflows.github_sync import GithubSyncWorkflow


def forge_sync_schedule_id(settings: Settings) -> str:
    # Per task queue: installations sharing a namespace (and test stacks) keep their own.
    return f"github_sync-{settings.temporal.task_queue}"


def forge_sync_schedule(settings: Settings) -> Schedule:
    every = timedelta(seconds=settings.forge.sync_interval_s)
    return Schedule(
        action=ScheduleActionStartWorkflow(
            GithubSyncWorkflow.run,
            ForgeSyncInput(tenant_id=settings.tenant),
            id=f"{forge_sync_schedule_id(settings)}-run",
            task_queue=settings.temporal.task_queue,
            task_timeout=policies.WORKFLOW_TASK,
        ),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=every)]),
        # A pass still running (a slow forge) is not doubled by the next tick.
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )


async def ensure_forge_sync_schedule(client: Client, settings: Settings) -> str:
    """Create the github_sync schedule, or bring an existing one up to these settings."""
    schedule_id = forge_sync_schedule_id(settings)
    schedule = forge_sync_schedule(settings)
    await ensure_schedule(client, schedule_id, schedule)
    return schedule_id
