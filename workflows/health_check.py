"""health_checker: every live release is asked for its health; a silent one is repaired.

HealthCheckWorkflow is what the `health_checker` Schedule starts every interval
(services/schedules/health.py). A release past its failure threshold gets a RepairWorkflow
under live-<project>, the id every change to that service runs under: while a person's
rollback or stop runs, health_checker leaves the service alone this round.

Repair: restart the serving release. If it still fails, restore the previous healthy release
and open an incident (workflows/incident.py): its own workflow with a desk, because the
project's workflow has usually finished long ago; it asks the owner what to do next.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.exceptions import ActivityError, WorkflowAlreadyStartedError

with workflow.unsafe.imports_passed_through():
    from activities.devops import DevOpsActivities
    from activities.health import HealthActivities
    from activities.service_control import ServiceActivities
    from core.contracts import (
        DeployResult,
        HealthCheckInput,
        IncidentInput,
        ReleaseCommand,
        RepairInput,
        RollbackInput,
        UnhealthyRelease,
    )
    from workflows import policies
    from workflows.activity_calls import run_activity
    from workflows.incident import IncidentWorkflow
    from workflows.release import live_workflow_id

CHECKER = "health_checker"
Arg = TypeVar("Arg")


@workflow.defn
class HealthCheckWorkflow:
    @workflow.run
    async def run(self, input: HealthCheckInput) -> int:
        """How many services needed a repair this round."""
        unhealthy = await run_activity(HealthActivities.check_live, input, policies.BOOKKEEPING)
        await asyncio.gather(*(self._repair(release, input) for release in unhealthy))
        return len(unhealthy)

    async def _repair(self, release: UnhealthyRelease, input: HealthCheckInput) -> None:
        try:
            await workflow.execute_child_workflow(
                RepairWorkflow.run,
                RepairInput(release=release, escalation=input.escalation),
                id=live_workflow_id(release.project_id),
                task_timeout=policies.WORKFLOW_TASK,
            )
        except WorkflowAlreadyStartedError:  # a child id in use is refused, never joined
            workflow.logger.info("busy: a change to %s runs already", release.project_id)


@workflow.defn
class RepairWorkflow:
    @workflow.run
    async def run(self, input: RepairInput) -> str:
        release = input.release
        restart = ReleaseCommand(
            project_id=release.project_id,
            tenant_id=release.tenant_id,
            action="restart",
            requested_by=CHECKER,
        )
        restarted = await self._try(ServiceActivities.start_service, restart)
        if restarted is not None and restarted.status == "healthy":
            return f"release {release.number} restarted"
        back = await self._try(
            DevOpsActivities.rollback_release,
            RollbackInput(
                project_id=release.project_id,
                tenant_id=release.tenant_id,
                requested_by=CHECKER,
                reason=f"release {release.number} stopped answering ({release.reason}) "
                "and did not come back after a restart",
            ),
        )
        await self._open_incident(input, restarted, back)
        return f"release {release.number} could not be repaired; the owner is asked"

    async def _try(
        self, method: Callable[[Any, Arg], Awaitable[DeployResult]], arg: Arg
    ) -> DeployResult | None:
        """The result, or None when the activity gave up (its message is in the events)."""
        try:
            return await run_activity(method, arg, policies.DEPLOY)
        except ActivityError as err:
            workflow.logger.warning("repair step failed: %s", err.cause or err)
            return None

    async def _open_incident(
        self, input: RepairInput, restarted: DeployResult | None, back: DeployResult | None
    ) -> None:
        release = input.release
        why_restart = restarted.message if restarted else "the restart could not run"
        if back is not None and back.status == "healthy":
            now = f"Release {back.number} serves again (restored automatically)."
        else:
            now = "No earlier release could be restored, so nothing is serving. " + (
                back.message if back else ""
            )
        prompt = (
            f"Release {release.number} stopped answering and could not be restarted. {now} "
            f"retry: start release {release.number} again; instruct: keep it as it is now "
            "(your words are recorded); abort: stop the service."
        )
        suffix = workflow.uuid4().hex[:8]  # run ids are time-ordered: their heads repeat
        await workflow.start_child_workflow(
            IncidentWorkflow.run,
            IncidentInput(
                project_id=release.project_id,
                tenant_id=release.tenant_id,
                owner=release.owner,
                prompt=prompt,
                context=f"health check: {release.reason}\nrestart: {why_restart}",
                failed_release=release.number,
                item_prefix=f"i{suffix}-",
                escalation=input.escalation,
            ),
            id=f"incident-{release.project_id}-{suffix}",
            task_timeout=policies.WORKFLOW_TASK,
            # The owner may answer days later: the incident outlives this repair.
            parent_close_policy=workflow.ParentClosePolicy.ABANDON,
        )
