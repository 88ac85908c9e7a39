"""RollbackWorkflow: put an earlier healthy release back, as a recorded, retried step."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.devops import DevOpsActivities
    from core.contracts import DeployResult, RollbackInput
    from workflows import policies
    from workflows.activity_calls import run_activity


@workflow.defn
class RollbackWorkflow:
    @workflow.run
    async def run(self, input: RollbackInput) -> DeployResult:
        # RollbackInput starts with ProjectRef's fields: runs started with a ProjectRef (the
        # previous release healthy before the current one) decode into it and do the same.
        return await run_activity(DevOpsActivities.rollback_release, input, policies.DEPLOY)
