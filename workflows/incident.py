"""IncidentWorkflow: a live service health_checker could not repair, and a person decides.

It has a desk of its own (the same HumanDesk the project workflow uses), because the project
workflow has usually finished. Its inbox items record this workflow's id, so `orchestrator
answer` and the bot reach it here (services/inbox.py). An unanswered incident keeps things
as they are when it expires: nothing is stopped behind the owner's back.
"""

from __future__ import annotations

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.devops import DevOpsActivities
    from activities.humans import HumanActivities
    from activities.service_control import ServiceActivities
    from core.contracts import (
        DeployResult,
        HumanReply,
        InboxChange,
        InboxItem,
        IncidentInput,
        Notification,
        ProjectInput,
        ProjectState,
        ReleaseCommand,
        RollbackInput,
    )
    from core.vocabulary import InboxChangeKind
    from workflows import policies
    from workflows.activity_calls import run_activity
    from workflows.desk import HumanDesk
    from workflows.live_deploy import holding_live_lock
    from workflows.release import ReleaseWorkflow
    from workflows.rollback import RollbackWorkflow

INCIDENT_LOCK_PATCH = "incident-under-live-lock"


@workflow.defn
class IncidentWorkflow:
    @workflow.init
    def __init__(self, input: IncidentInput) -> None:
        self._input = input
        project = ProjectInput(
            project_id=input.project_id,
            tenant_id=input.tenant_id,
            idea="",
            owner=input.owner,
            escalation=input.escalation,
        )
        self._state = ProjectState(project_id=input.project_id, tenant_id=input.tenant_id)
        self._state.stage = "devops"
        self._desk = HumanDesk(project, self._state, self._record, item_prefix=input.item_prefix)

    @workflow.query
    def status(self) -> ProjectState:
        return self._state

    @workflow.update
    def reply(self, reply: HumanReply) -> str:
        self._desk.apply(reply)
        return f"'{reply.item_id}' answered"

    @reply.validator
    def _validate_reply(self, reply: HumanReply) -> None:
        problem = self._desk.problem_with(reply)
        if problem:
            raise ApplicationError(problem, type="ReplyRejected", non_retryable=True)

    @workflow.signal
    def reply_queued(self, reply: HumanReply) -> None:
        problem = self._desk.problem_with(reply)
        if problem:
            self._desk.reject_queued(reply, problem)
        else:
            self._desk.apply(reply)

    @workflow.run
    async def run(self, input: IncidentInput) -> str:
        await self._notify(input.prompt)
        item = await self._desk.escalation(input.prompt, "devops", input.context)
        by = item.answered_by or "the owner"
        if item.status == "expired":
            outcome = "no answer in time: left as it is"
        elif item.choice == "retry":
            back = await self._rollback(
                RollbackInput(
                    input.project_id, input.tenant_id, input.failed_release, by, item.answer
                )
            )
            outcome = f"retry of release {input.failed_release}: {back.status}: {back.message}"
        elif item.choice == "abort":
            stopped = await self._stop(
                ReleaseCommand(input.project_id, input.tenant_id, "stop", requested_by=by)
            )
            outcome = stopped.message
        else:
            outcome = f"kept as it is: {item.answer}"
        await self._notify(f"Incident closed by {by}: {outcome}")
        await workflow.wait_condition(workflow.all_handlers_finished)
        return outcome

    # The owner's answer changes the live service: under live-<project>, as a person's
    # rollback or stop would, so it never races one (incidents opened before run it bare).

    async def _rollback(self, input: RollbackInput) -> DeployResult:
        if workflow.patched(INCIDENT_LOCK_PATCH):
            return await holding_live_lock(RollbackWorkflow.run, input, input.project_id)
        return await run_activity(DevOpsActivities.rollback_release, input, policies.DEPLOY)

    async def _stop(self, command: ReleaseCommand) -> DeployResult:
        if workflow.patched(INCIDENT_LOCK_PATCH):
            return await holding_live_lock(ReleaseWorkflow.run, command, command.project_id)
        return await run_activity(ServiceActivities.stop_service, command, policies.DEPLOY)

    async def _record(self, item: InboxItem, change: InboxChangeKind, note: str) -> None:
        await run_activity(
            HumanActivities.record_inbox,
            InboxChange(self._input.project_id, self._input.tenant_id, item, change, note),
            policies.BOOKKEEPING,
        )

    async def _notify(self, text: str) -> None:
        input = self._input
        await run_activity(
            HumanActivities.notify_owner,
            Notification(input.project_id, input.tenant_id, input.owner, text),
            policies.BOOKKEEPING,
        )
