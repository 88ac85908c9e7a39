"""The `health_checker` Schedule: HealthCheckWorkflow every DEPLOY_HEALTH_CHECK_INTERVAL_S.

Registered by every `orchestrator up` and every worker start (create, or update to the
current settings when it exists), so a changed interval needs a restart and nothing else.
"""

from __future__ import annotations

from datetime import timedelta

import structlog
from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
)

from core.contracts import EscalationPolicy, HealthCheckInput
from core.settings import Settings
from services.schedules.ensure import ensure_schedule
from workflows import policies
from workflows.health_check import HealthCheckWorkflow

log = structlog.get_logger()

NAME = "health_checker"


def schedule_id(settings: Settings) -> str:
    """One schedule per installation; installations sharing a cluster differ by task queue."""
    queue = settings.temporal.task_queue
    return NAME if queue == "orchestrator" else f"{NAME}-{queue}"


def health_schedule(settings: Settings) -> Schedule:
    deploy, pipeline = settings.deploy, settings.pipeline
    return Schedule(
        action=ScheduleActionStartWorkflow(
            HealthCheckWorkflow.run,
            HealthCheckInput(
                failures_allowed=deploy.health_failures,
                health_path=deploy.health_path,
                escalation=EscalationPolicy(
                    reminder_every_s=pipeline.reminder_every_s,
                    timeout_s=pipeline.escalation_timeout_s,
                    on_timeout=pipeline.on_timeout,
                ),
            ),
            id=schedule_id(settings),  # the server appends the scheduled time
            task_queue=settings.temporal.task_queue,
            task_timeout=policies.WORKFLOW_TASK,
        ),
        spec=ScheduleSpec(
            intervals=[
                ScheduleIntervalSpec(every=timedelta(seconds=deploy.health_check_interval_s))
            ]
        ),
        # A round that is still repairing (an Ansible run) is not doubled by the next one.
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )


async def ensure_health_schedule(client: Client, settings: Settings) -> None:
    """Create the schedule, or bring an existing one to the current settings."""
    schedule, name = health_schedule(settings), schedule_id(settings)
    action = await ensure_schedule(client, name, schedule)
    log.info(
        "schedule registered",
        schedule=name,
        action=action,
        every_s=settings.deploy.health_check_interval_s,
    )
