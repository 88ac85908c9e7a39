"""RollbackWorkflow: put the previous healthy release back, as a recorded, retried step."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.devops import DevOpsActivities
    from core.contracts import DeployResult, ProjectRef
    from workflows import policies


@workflow.defn
class RollbackWorkflow:
    @workflow.run
    async def run(self, ref: ProjectRef) -> DeployResult:
        return await workflow.execute_activity_method(
            DevOpsActivities.rollback_release,
            ref,
            start_to_close_timeout=policies.DEPLOY,
            heartbeat_timeout=policies.HEARTBEAT,
            retry_policy=policies.STANDARD_RETRY,
        )
