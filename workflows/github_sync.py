"""github_sync: one reconciling pass over the active projects, started by a Temporal Schedule.

The schedule (services/schedules/forge_sync.py) runs it every FORGE_SYNC_INTERVAL_S; the work
and the signals to project workflows are the activity's, so this history stays a few events long.
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.forge_sync import ForgeSyncActivities
    from core.contracts import ForgeSyncInput, ForgeSyncResult
    from workflows import policies
    from workflows.activity_calls import run_activity


@workflow.defn(name="github_sync")
class GithubSyncWorkflow:
    @workflow.run
    async def run(self, input: ForgeSyncInput) -> ForgeSyncResult:
        return await run_activity(ForgeSyncActivities.reconcile, input, policies.FORGE_SYNC)
