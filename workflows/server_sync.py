"""ServerSyncWorkflow: refresh the servers inventory from Ansible facts; started by a Schedule."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.servers import ServerActivities, ServerSyncInput, ServerSyncResult
    from workflows.activity_calls import run_activity
    from workflows.policies import ActivityPolicy

# Each server is one short Ansible run; an unreachable one ends by its SSH timeout.
SERVER_SYNC = ActivityPolicy(timedelta(minutes=10))


@workflow.defn
class ServerSyncWorkflow:
    @workflow.run
    async def run(self, input: ServerSyncInput) -> ServerSyncResult:
        return await run_activity(ServerActivities.sync, input, SERVER_SYNC)
