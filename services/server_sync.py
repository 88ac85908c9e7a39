"""The `server_sync` Schedule: registered at startup, once, whatever number of restarts."""

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

from activities.servers import ServerSyncInput
from core.settings import Settings
from services.schedules.ensure import ensure_schedule
from workflows.server_sync import ServerSyncWorkflow


def schedule_id(tenant_id: str) -> str:
    return f"server-sync-{tenant_id}"


def _schedule(settings: Settings) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            ServerSyncWorkflow.run,
            ServerSyncInput(tenant_id=settings.tenant),
            id=f"server-sync-{settings.tenant}",
            task_queue=settings.temporal.task_queue,
        ),
        spec=ScheduleSpec(
            intervals=[ScheduleIntervalSpec(every=timedelta(seconds=settings.server_sync_every_s))]
        ),
        # A slow check is not doubled by the next tick.
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )


async def register_server_sync(client: Client, settings: Settings) -> None:
    """Create the schedule, or bring an existing one to today's settings (interval, queue)."""
    await ensure_schedule(client, schedule_id(settings.tenant), _schedule(settings))
