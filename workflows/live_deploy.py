"""The pipeline's own deploys (a project's first release, a change's release) under live-<project>.

Manual deploys, rollbacks, stops and health_checker's repairs run under that workflow id
(workflows/release.py), so two of them never touch one service at once. The pipeline's deploy
takes the same id as a child workflow; while another holds it the pipeline waits its turn on
a durable timer instead of failing, and a manual command arriving meanwhile is refused as busy.
Readiness is checked again once the id is held: a manual stop or a removed secret while the
pipeline waited its turn is seen, as ReleaseWorkflow sees it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError

with workflow.unsafe.imports_passed_through():
    from activities.devops import DevOpsActivities
    from core.contracts import DeployInput, DeployResult, ProjectRef
    from workflows import policies
    from workflows.activity_calls import run_activity
    from workflows.release import live_workflow_id

# Manual commands take seconds; a health_checker repair at most a few Ansible runs.
FIRST_WAIT = timedelta(seconds=1)
LONGEST_WAIT = timedelta(seconds=30)
Arg = TypeVar("Arg")
# Readiness checked inside the lock: the parent's check may be stale after waiting for it.
READINESS_IN_LOCK_PATCH = "pipeline-deploy-readiness"


@workflow.defn
class PipelineDeployWorkflow:
    @workflow.run
    async def run(self, input: DeployInput) -> DeployResult:
        if workflow.patched(READINESS_IN_LOCK_PATCH):
            ref = ProjectRef(project_id=input.project_id, tenant_id=input.tenant_id)
            readiness = await run_activity(
                DevOpsActivities.check_readiness, ref, policies.BOOKKEEPING
            )
            if not readiness.ready:  # the parent's stage escalates it; nothing is deployed
                raise ApplicationError(
                    f"not ready to deploy: {readiness.summary()}",
                    type="Conflict",
                    non_retryable=True,
                )
        return await run_activity(DevOpsActivities.deploy_release, input, policies.DEPLOY)


async def deploy_holding_live_lock(input: DeployInput) -> DeployResult:
    """Deploy as the child live-<project>, once no other change to the service runs."""
    return await holding_live_lock(PipelineDeployWorkflow.run, input, input.project_id)


async def holding_live_lock(
    run: Callable[[Any, Arg], Awaitable[DeployResult]], arg: Arg, project_id: str
) -> DeployResult:
    """`run` as the child live-<project>, waiting its turn while another change runs."""
    wait = FIRST_WAIT
    while True:
        try:
            return await workflow.execute_child_workflow(
                run,
                arg,
                id=live_workflow_id(project_id),
                task_timeout=policies.WORKFLOW_TASK,
            )
        except WorkflowAlreadyStartedError:  # a child id in use is refused, never joined
            workflow.logger.info("waiting %s: another change to %s runs", wait, project_id)
            await workflow.sleep(wait)
            wait = min(wait * 2, LONGEST_WAIT)
