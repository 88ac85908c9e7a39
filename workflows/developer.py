"""DeveloperWorkflow: one task, one sandboxed coding-agent session, one pull request."""

from __future__ import annotations

from temporalio import workflow
from temporalio.workflow import ActivityCancellationType

with workflow.unsafe.imports_passed_through():
    from activities.developer import DeveloperActivities
    from core.contracts import DeveloperInput, DeveloperResult, PullRequestRef
    from workflows import policies
    from workflows.activity_calls import run_activity


@workflow.defn
class DeveloperWorkflow:
    @workflow.run
    async def run(self, input: DeveloperInput) -> DeveloperResult:
        coded = await run_activity(
            DeveloperActivities.write_code,
            input,
            policies.CODING,
            # A cancel waits until the agent's sandbox is really stopped.
            cancellation_type=ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
        )
        pr = await run_activity(
            DeveloperActivities.open_pull_request,
            PullRequestRef(
                project_id=input.project_id,
                tenant_id=input.tenant_id,
                task_key=input.task_key,
                branch=coded.branch,
            ),
            policies.FORGE,
        )
        return DeveloperResult(
            task_key=input.task_key,
            branch=coded.branch,
            pr_number=pr.pr_number,
            head_sha=coded.head_sha,
            summary=coded.summary,
        )
