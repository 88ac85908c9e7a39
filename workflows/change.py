"""ChangeWorkflow: one change request to a live project, through the same durable stages.

Brainstorm writes a spec delta (asking the owner through the desk), the Architect plans
tasks against what main holds now, developers and the reviewer work as in the first build,
and DevOps deploys a new release. It ends `live`, or `rolled_back` when the release fails its
health check and the deploy put the one before back. The stages, the desk and the review loop
are ProjectWorkflow's; only what a change does differently is overridden here.
"""

from __future__ import annotations

import asyncio
import dataclasses

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.changes import ChangeActivities
    from activities.devops import DevOpsActivities
    from core import changes as naming
    from core.contracts import (
        BrainstormResult,
        ChangeInput,
        ChangeOutcome,
        ChangeProgress,
        ChangeRef,
        ChangeSpecInput,
        TaskState,
    )
    from core.vocabulary import ChangeStatus, FinalStatus
    from workflows import policies
    from workflows.desk import HumanDesk
    from workflows.project import Aborted, ProjectWorkflow, StageFailed

# Secrets a change newly needs are asked for after Brainstorm, as Zavhoz asks in a first build.
CHANGE_SECRETS_PATCH = "change-asks-for-secrets"
# ... as a stage of its own: a lookup failing after its retries escalates, not fails the run raw.
CHANGE_SECRETS_STAGE_PATCH = "change-secrets-stage"


@workflow.defn
class ChangeWorkflow(ProjectWorkflow):
    @workflow.init
    def __init__(self, input: ChangeInput) -> None:
        super().__init__(input.project)
        self._change_input = input
        self._number = input.change.number
        if input.resume is not None:
            self._state = input.resume
        scope = naming.item_scope(input.project.project_id, self._number)
        self._desk = HumanDesk(input.project, self._state, self._record_inbox, scope=scope)
        self._deployed: ChangeStatus = "rolled_back"  # until a release went live

    # A workflow of its own name and input: nothing calls it as a ProjectWorkflow.
    @workflow.run
    async def run(self, input: ChangeInput) -> ChangeOutcome:  # type: ignore[override]
        try:
            if input.resume is None:
                await self._begin()
            await self._stage("brainstorm", self._brainstorm)
            if workflow.patched(CHANGE_SECRETS_STAGE_PATCH):
                await self._stage("zavhoz", self._secrets_the_change_needs)
            elif workflow.patched(CHANGE_SECRETS_PATCH):
                await self._secrets_the_change_needs()
            await self._stage("architect", self._architect)
            await self._develop_and_review()
            await self._stage("devops", self._devops)
        except asyncio.CancelledError:
            await self._finish("cancelled", self._cancel_summary())
            raise
        except (StageFailed, Aborted) as failure:
            await self._finish("failed", str(failure))
            raise ApplicationError(str(failure), non_retryable=True) from None
        detail = self._state.stage_record("devops").detail
        await self._finish("completed", detail)
        return ChangeOutcome(self._number, self._deployed, self._state.release_id, detail)

    async def _begin(self) -> None:
        start = await self._activity(
            ChangeActivities.begin, self._change_ref(), policies.BOOKKEEPING
        )
        self._state.port = start.port
        # Resources stay as Zavhoz gave them; the change deploys to the same port. With the
        # secrets stage, Zavhoz runs again after Brainstorm and says so itself.
        if not workflow.patched(CHANGE_SECRETS_STAGE_PATCH):
            zavhoz = self._state.stage_record("zavhoz")
            zavhoz.status, zavhoz.detail = "completed", f"unchanged: port {start.port}"
        await self._record("change_started", f"{self._change_input.change.text[:200]}", "running")
        await self._notify(
            f"Change #{self._number} started: {self._change_input.change.text[:200]}"
        )

    # ---- stages that differ from the first build ------------------------------------------

    async def _secrets_the_change_needs(self) -> str:
        """The owner is asked for each secret the store lacks (the change's new ones, or one
        removed since), before developers start: never a deploy refused for it at the end."""
        allocation = await self._allocate()
        zavhoz = self._state.stage_record("zavhoz")
        if not allocation.missing_secrets:
            zavhoz.detail = f"unchanged: port {allocation.port}"
            return zavhoz.detail
        names = ", ".join(s.name for s in allocation.missing_secrets)
        zavhoz.status, zavhoz.detail = "running", f"asking the owner for {names}"
        while allocation.missing_secrets:
            await self._ask_for_secrets(allocation.missing_secrets)
            allocation = await self._allocate()
        zavhoz.status = "completed"
        zavhoz.detail = f"unchanged: port {allocation.port}; {names} given"
        return zavhoz.detail

    async def _write_spec(self) -> BrainstormResult:
        return await self._activity(
            ChangeActivities.write_spec,
            ChangeSpecInput(
                project_id=self._input.project_id,
                tenant_id=self._input.tenant_id,
                number=self._number,
                turn=self._state.brainstorm_turn,
                conversation=self._state.conversation,
            ),
        )

    async def _architect(self) -> str:
        plan = await self._activity(ChangeActivities.plan_tasks, self._change_ref())
        self._state.tasks = [TaskState(key=t.key, title=t.title) for t in plan.tasks]
        return f"{len(plan.tasks)} tasks planned against the live repository"

    async def _devops(self) -> str:
        await self._check_readiness()
        head = await self._activity(DevOpsActivities.main_head, self._ref(), policies.FORGE)
        release_id = naming.release_id(self._number, head)
        result = await self._deploy(head, release_id, self._change_input.change.requested_by)
        if result.status == "healthy":
            self._deployed, self._state.live_url = "live", result.url
            return f"release {result.release_id} live at {result.url}"
        if result.status == "rolled_back":
            # The deploy already put the previous release back; nothing to retry.
            self._deployed = "rolled_back"
            return f"release {result.release_id} failed its health check: {result.message}"
        raise StageFailed(f"deploy {result.status}: {result.message}")

    # ---- where a change records itself -----------------------------------------------------

    async def _progress(self, kind: str, message: str) -> None:
        await self._record(f"change_{kind}", message, "running")

    async def _finish(self, status: FinalStatus, message: str) -> None:
        outcome: ChangeStatus = self._deployed if status == "completed" else status
        self._state.status = status
        if status != "completed":
            self._state.error = message
        self._set_search_attributes()
        await self._record(f"change_{outcome}", message, outcome)
        await self._notify(f"Change #{self._number} {outcome.replace('_', ' ')}: {message}")

    async def _record(self, kind: str, message: str, status: ChangeStatus) -> None:
        await self._activity(
            ChangeActivities.record_progress,
            ChangeProgress(
                project_id=self._input.project_id,
                tenant_id=self._input.tenant_id,
                number=self._number,
                kind=kind,
                message=message,
                status=status,
                stage=self._state.stage,
                stages=self._state.stages,
                release_id=self._state.release_id,
            ),
            policies.BOOKKEEPING,
        )

    def _notifies_owner(self) -> bool:
        return True  # changes came after owners were notified: no older histories to replay

    async def _continue_as_new(self) -> None:
        await workflow.wait_condition(workflow.all_handlers_finished)
        workflow.continue_as_new(dataclasses.replace(self._change_input, resume=self._state))

    def _change_ref(self) -> ChangeRef:
        return ChangeRef(self._input.project_id, self._input.tenant_id, self._number)
