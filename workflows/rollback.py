"""RollbackWorkflow: put the previous healthy release back, as a recorded, retried step."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.devops import DevOpsActivities
    from core.contracts import DeployResult, ProjectRef
    from workflows import policies
    from workflows.activity_calls import run_activity


@workflow.defn
class RollbackWorkflow:
    @workflow.run
    async def run(self, ref: ProjectRef) -> DeployResult:
        return await run_activity(DevOpsActivities.rollback_release, ref, policies.DEPLOY)
