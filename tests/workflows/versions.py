"""Other versions of ProjectWorkflow, as a worker upgrade or a careless change would run them."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from core.contracts import ProjectInput, ProjectState
    from workflows.project import ProjectWorkflow


@workflow.defn(name="ProjectWorkflow")
class ProjectWorkflowBeforeNotifications(ProjectWorkflow):
    """The workflow as it was released before owners were notified."""

    def _notifies_owner(self) -> bool:
        return False

    @workflow.run
    async def run(self, input: ProjectInput) -> ProjectState:
        return await super().run(input)


@workflow.defn(name="ProjectWorkflow")
class ProjectWorkflowUnguardedNotifications(ProjectWorkflow):
    """The same change made carelessly: without the patch guard."""

    def _notifies_owner(self) -> bool:
        return True

    @workflow.run
    async def run(self, input: ProjectInput) -> ProjectState:
        return await super().run(input)
