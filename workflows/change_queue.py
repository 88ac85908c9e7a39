"""ChangeQueueWorkflow: a live project's change requests, one at a time, in order.

One per project (id `changes-<project>`), started or reached by signal-with-start: a change
submitted while another runs waits here. Each runs as a child ChangeWorkflow; the queue ends
when nothing waits (a later change starts a new run) and continues-as-new after many.
"""

from __future__ import annotations

from temporalio import workflow
from temporalio.common import TypedSearchAttributes
from temporalio.exceptions import ChildWorkflowError

with workflow.unsafe.imports_passed_through():
    from core import changes as naming
    from core import search_attributes as sa
    from core.contracts import ChangeInput, ChangeQueueInput, ChangeRequest
    from workflows import policies
    from workflows.change import ChangeWorkflow

CHANGES_PER_RUN = 50  # then a fresh history; the queue goes along


@workflow.defn
class ChangeQueueWorkflow:
    @workflow.init
    def __init__(self, input: ChangeQueueInput) -> None:
        self._input = input
        self._pending = list(input.pending)
        self._taken = list(input.taken)

    @workflow.signal
    def enqueue(self, change: ChangeRequest) -> None:
        known = self._taken + [c.number for c in self._pending]
        if change.number in known:
            return  # a submission retried: it is queued once
        self._pending.append(change)
        self._pending.sort(key=lambda c: c.number)

    @workflow.query
    def pending(self) -> list[int]:
        return [c.number for c in self._pending]

    @workflow.run
    async def run(self, input: ChangeQueueInput) -> list[int]:
        ran = 0
        while self._pending:
            if ran >= CHANGES_PER_RUN or workflow.info().is_continue_as_new_suggested():
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(
                    ChangeQueueInput(self._input.project, self._pending, self._taken[-100:])
                )
            change = self._pending.pop(0)
            self._taken.append(change.number)
            ran += 1
            try:
                await workflow.execute_child_workflow(
                    ChangeWorkflow.run,
                    ChangeInput(project=self._input.project, change=change),
                    id=naming.change_workflow_id(self._input.project.project_id, change.number),
                    task_queue=workflow.info().task_queue,
                    search_attributes=self._search_attributes(),
                    task_timeout=policies.WORKFLOW_TASK,
                )
            except ChildWorkflowError:
                pass  # the change recorded how it ended; the next one still runs
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._taken

    def _search_attributes(self) -> TypedSearchAttributes | None:
        if workflow.info().typed_search_attributes.get(sa.PROJECT_ID) is None:
            return None
        project = self._input.project
        return sa.initial(project.project_id, project.tenant_id, stage="brainstorm")
