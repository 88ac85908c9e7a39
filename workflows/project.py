"""ProjectWorkflow: idea → spec → resources → repository → parallel developers → review → deploy."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from temporalio import workflow
from temporalio.common import TypedSearchAttributes
from temporalio.exceptions import (
    ActivityError,
    ApplicationError,
    CancelledError,
    ChildWorkflowError,
)

with workflow.unsafe.imports_passed_through():
    from activities.architect import ArchitectActivities
    from activities.brainstorm import BrainstormActivities
    from activities.devops import DevOpsActivities
    from activities.progress import ProgressActivities
    from activities.reviewer import ReviewerActivities
    from activities.zavhoz import ZavhozActivities
    from core.contracts import (
        DeployInput,
        DeveloperInput,
        DeveloperResult,
        ProgressUpdate,
        ProjectInput,
        ProjectRef,
        ProjectState,
        PullRequestRef,
        TaskState,
    )
    from workflows import policies
    from workflows import search_attributes as sa
    from workflows.developer import DeveloperWorkflow


class StageFailed(Exception):
    """A stage gave up after its retries; the message says why in words a person reads."""


@workflow.defn
class ProjectWorkflow:
    @workflow.init
    def __init__(self, input: ProjectInput) -> None:
        self._input = input
        self._state = ProjectState(project_id=input.project_id, tenant_id=input.tenant_id)

    @workflow.query
    def status(self) -> ProjectState:
        return self._state

    @workflow.run
    async def run(self, input: ProjectInput) -> ProjectState:
        try:
            await self._stage("brainstorm", self._brainstorm)
            await self._stage("zavhoz", self._zavhoz)
            await self._stage("architect", self._architect)
            await self._develop_and_review()
            await self._stage("devops", self._devops)
        except asyncio.CancelledError:
            await self._finish("cancelled", "project cancelled")
            raise
        except StageFailed as failure:
            await self._finish("failed", str(failure))
            raise ApplicationError(str(failure), non_retryable=True) from None
        await self._finish("completed", f"live at {self._state.live_url}")
        return self._state

    # ---- stages -------------------------------------------------------------------------

    async def _brainstorm(self) -> str:
        result = await self._activity(BrainstormActivities.write_spec, self._input)
        self._state.spec_name = result.spec_name
        self._state.model_label = result.model_label
        return f"spec '{result.title}' written by the {result.model_label}"

    async def _zavhoz(self) -> str:
        allocation = await self._activity(ZavhozActivities.allocate_resources, self._ref())
        self._state.port = allocation.port
        return f"port {allocation.port} allocated"

    async def _architect(self) -> str:
        repo = await self._activity(ArchitectActivities.create_repository, self._ref())
        self._state.repository_url = repo.repository_url
        plan = await self._activity(ArchitectActivities.plan_tasks, self._ref())
        self._state.tasks = [TaskState(key=t.key, title=t.title) for t in plan.tasks]
        return f"repository ready, {len(plan.tasks)} tasks planned"

    async def _develop_and_review(self) -> None:
        """Developers work in parallel; the reviewer merges or sends tasks back, round by round."""
        limit = self._input.max_review_rounds
        while True:
            self._state.review_round += 1
            pending = [t for t in self._state.tasks if t.status != "merged"]
            await self._stage("developer", partial(self._develop, pending))
            await self._stage("reviewer", partial(self._review, pending))
            if all(t.status == "merged" for t in self._state.tasks):
                return
            if self._state.review_round >= limit:
                rejected = ", ".join(t.key for t in self._state.tasks if t.status != "merged")
                raise StageFailed(f"review rounds exhausted ({limit}); not merged: {rejected}")

    async def _develop(self, tasks: list[TaskState]) -> str:
        slots = asyncio.Semaphore(max(1, self._input.max_parallel_developers))

        async def one(task: TaskState) -> None:
            async with slots:
                task.status = "developing"
                task.rounds += 1
                result: DeveloperResult = await workflow.execute_child_workflow(
                    DeveloperWorkflow.run,
                    DeveloperInput(
                        project_id=self._input.project_id,
                        tenant_id=self._input.tenant_id,
                        task_key=task.key,
                        round=task.rounds,
                        feedback=task.feedback,
                    ),
                    id=f"{workflow.info().workflow_id}-task-{task.key}-r{task.rounds}",
                    task_queue=workflow.info().task_queue,
                    search_attributes=self._child_search_attributes(),
                )
                task.branch, task.pr_number = result.branch, result.pr_number
                task.status = "in_review"

        await asyncio.gather(*(one(t) for t in tasks))
        return f"{len(tasks)} pull requests opened (round {self._state.review_round})"

    async def _review(self, tasks: list[TaskState]) -> str:
        merged = 0
        # Sequential on purpose: each merge moves main, the next review sees it.
        for task in tasks:
            pr = PullRequestRef(
                project_id=self._input.project_id,
                tenant_id=self._input.tenant_id,
                task_key=task.key,
                branch=task.branch or "",
                pr_number=task.pr_number or 0,
            )
            review = await self._activity(ReviewerActivities.review_pull_request, pr)
            if review.approved:
                await self._activity(ReviewerActivities.merge_pull_request, pr)
                task.status, task.feedback = "merged", ""
                merged += 1
            else:
                task.status, task.feedback = "changes_requested", review.comments
        return f"{merged} of {len(tasks)} merged (round {self._state.review_round})"

    async def _devops(self) -> str:
        head = await self._activity(DevOpsActivities.main_head, self._ref())
        release_id = f"r{self._state.review_round}-{head[:10]}"
        result = await self._activity(
            DevOpsActivities.deploy_release,
            DeployInput(
                project_id=self._input.project_id,
                tenant_id=self._input.tenant_id,
                commit=head,
                release_id=release_id,
                port=self._state.port or 0,
            ),
            start_to_close_timeout=policies.DEPLOY,
        )
        self._state.release_id = result.release_id
        if result.status != "healthy":
            raise StageFailed(f"deploy {result.status}: {result.message}")
        self._state.live_url = result.url
        return f"release {result.release_id} healthy at {result.url}"

    # ---- plumbing -----------------------------------------------------------------------

    async def _stage(self, name: str, body: Callable[[], Awaitable[str]]) -> None:
        record = self._state.stage_record(name)
        self._state.stage = name
        record.status, record.started_at, record.finished_at = "running", _now(), None
        self._set_search_attributes()
        await self._progress("stage_started", f"{name} started")
        try:
            record.detail = await body()
        except (ActivityError, ChildWorkflowError) as err:
            if isinstance(err.cause, CancelledError):  # the cancel reached us through a child
                record.status, record.finished_at = "cancelled", _now()
                raise asyncio.CancelledError() from err
            record.status, record.finished_at = "failed", _now()
            raise StageFailed(f"{name} failed: {_cause(err)}") from err
        except StageFailed as failure:
            record.status, record.finished_at, record.detail = "failed", _now(), str(failure)
            raise
        except asyncio.CancelledError:
            record.status, record.finished_at = "cancelled", _now()
            raise
        record.status, record.finished_at = "completed", _now()
        await self._progress("stage_completed", f"{name}: {record.detail}")

    async def _finish(self, status: str, message: str) -> None:
        self._state.status = status
        if status != "completed":
            self._state.error = message
        self._set_search_attributes()
        # After a cancel is delivered the workflow may still run activities: record the end.
        await self._progress(f"project_{status}", message)

    async def _progress(self, kind: str, message: str) -> None:
        await self._activity(
            ProgressActivities.record_progress,
            ProgressUpdate(
                project_id=self._input.project_id,
                tenant_id=self._input.tenant_id,
                kind=kind,
                message=message,
                stage=self._state.stage,
                status=self._state.status,
                stages=self._state.stages,
                live_url=self._state.live_url,
                error=self._state.error,
            ),
        )

    async def _activity(self, method: Any, arg: Any, **options: Any) -> Any:
        options.setdefault("start_to_close_timeout", policies.MODEL_CALL)
        options.setdefault("retry_policy", policies.STANDARD_RETRY)
        return await workflow.execute_activity_method(method, arg, **options)

    def _ref(self) -> ProjectRef:
        return ProjectRef(project_id=self._input.project_id, tenant_id=self._input.tenant_id)

    def _child_search_attributes(self) -> TypedSearchAttributes | None:
        if workflow.info().typed_search_attributes.get(sa.PROJECT_ID) is None:
            return None
        return sa.initial(self._input.project_id, self._input.tenant_id, stage="developer")

    def _set_search_attributes(self) -> None:
        # Runs started without our attributes (a server where they are not registered, such
        # as the time-skipping test server) keep running without them.
        if workflow.info().typed_search_attributes.get(sa.PROJECT_ID) is None:
            return
        workflow.upsert_search_attributes(
            [sa.STAGE.value_set(self._state.stage), sa.STATUS.value_set(self._state.status)]
        )


def _now() -> str:
    return workflow.now().isoformat(timespec="seconds")


def _cause(err: BaseException) -> str:
    """The innermost message: what actually went wrong, not the wrapper's."""
    while err.__cause__ is not None:
        err = err.__cause__
    return str(err) or type(err).__name__
