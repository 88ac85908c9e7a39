"""ReleaseWorkflow: one change to a project's live service, as a recorded, retried step.

Redeploy (main's head, or an earlier release's commit, as a new numbered release), stop,
start, and health_checker's restart. Every one runs under the workflow id live-<project>,
so two changes to the same service never run at once (services/releases.py).
"""

from __future__ import annotations

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.devops import DevOpsActivities
    from activities.service_control import ServiceActivities
    from core.contracts import DeployInput, DeployResult, ProjectRef, ReleaseCommand
    from workflows import policies
    from workflows.activity_calls import run_activity


def live_workflow_id(project_id: str) -> str:
    """The one id every change to a project's live service runs under."""
    return f"live-{project_id}"


@workflow.defn
class ReleaseWorkflow:
    @workflow.run
    async def run(self, command: ReleaseCommand) -> DeployResult:
        if command.action == "stop":
            return await run_activity(ServiceActivities.stop_service, command, policies.DEPLOY)
        if command.action in ("start", "restart"):
            return await run_activity(ServiceActivities.start_service, command, policies.DEPLOY)
        return await self._deploy(command)

    async def _deploy(self, command: ReleaseCommand) -> DeployResult:
        ref = ProjectRef(project_id=command.project_id, tenant_id=command.tenant_id)
        readiness = await run_activity(DevOpsActivities.check_readiness, ref, policies.BOOKKEEPING)
        if not readiness.ready:
            # Nothing is deployed while anything is missing.
            raise ApplicationError(
                f"not ready to deploy: {readiness.summary()}", type="Conflict", non_retryable=True
            )
        source = await run_activity(DevOpsActivities.release_source, command, policies.FORGE)
        # A new directory per release, also for an earlier commit: its history stays apart.
        # (Run ids are time-ordered: their first digits repeat; the workflow's uuid4 does not.)
        release_id = f"d{workflow.uuid4().hex[:8]}-{source.commit[:10]}"
        return await run_activity(
            DevOpsActivities.deploy_release,
            DeployInput(
                project_id=command.project_id,
                tenant_id=command.tenant_id,
                commit=source.commit,
                release_id=release_id,
                port=source.port,
                requested_by=command.requested_by,
            ),
            policies.DEPLOY,
        )
