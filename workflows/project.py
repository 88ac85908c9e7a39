"""ProjectWorkflow: idea → spec → resources → repository → parallel developers → review → deploy.

People take part through the desk (workflows/desk.py): Brainstorm's questions, the gates
configured for the project, and escalations when an agent is stuck. Replies arrive as
updates (validated, the caller hears yes or no at once) or as signals (queued while no
worker runs).
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable, Coroutine
from functools import partial
from typing import Any, TypeVar

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
    from activities.humans import HumanActivities
    from activities.progress import ProgressActivities
    from activities.reviewer import ReviewerActivities
    from activities.spending import SpendingActivities
    from activities.zavhoz import ZavhozActivities
    from core import search_attributes as sa
    from core.budgets import BudgetState
    from core.contracts import (
        PULL_REQUEST_CHANGED,
        QA,
        Allocation,
        BrainstormInput,
        BrainstormResult,
        BudgetChange,
        DeployInput,
        DeployResult,
        DeveloperInput,
        DeveloperResult,
        HumanReply,
        InboxChange,
        InboxItem,
        MissingSecret,
        Notification,
        ProgressUpdate,
        ProjectInput,
        ProjectRef,
        ProjectState,
        PullRequestChange,
        PullRequestRef,
        ReviewResult,
        TaskState,
    )
    from core.vocabulary import REVIEW_LOOP, FinalStatus, InboxChangeKind, StageName, TaskStatus
    from workflows import budget_stop, outside_changes, policies
    from workflows.activity_calls import run_activity
    from workflows.desk import HumanDesk
    from workflows.developer import DeveloperWorkflow
    from workflows.live_deploy import deploy_holding_live_lock

# Patch ids: each guards a change made after projects were already running on older code.
NOTIFY_OWNER_PATCH = "notify-owner"
DEVELOPERS_SETTLE_PATCH = "developers-settle-before-failing"
SECRET_DIFF_SCAN_PATCH = "secret-diff-scan"
ZAVHOZ_SECRETS_PATCH = "zavhoz-secrets"
DEPLOY_READINESS_PATCH = "deploy-readiness"
# Merges and closes done by people on the forge (github_sync's signal) settle tasks.
OUTSIDE_CHANGES_PATCH = "pull-request-changed-outside"
# A model-using step refused at a used-up budget asks the owner to raise it or stop.
BUDGET_APPROVAL_PATCH = "budget-approval"
# The pipeline's deploy takes live-<project>, as manual deploys and rollbacks do.
LIVE_LOCK_PATCH = "deploy-under-live-lock"
# A budget stop cancels the developers still running instead of waiting for their sessions.
BUDGET_STOP_CANCELS_PATCH = "budget-stop-cancels-developers"


Arg = TypeVar("Arg")
Result = TypeVar("Result")


class StageFailed(Exception):
    """A stage gave up; the message says why in words a person reads."""


class Aborted(Exception):
    """A person (or the timeout policy) chose to stop the project."""


@workflow.defn
class ProjectWorkflow:
    @workflow.init
    def __init__(self, input: ProjectInput) -> None:
        self._input = input
        self._state = input.resume or ProjectState(
            project_id=input.project_id, tenant_id=input.tenant_id
        )
        self._desk = HumanDesk(input, self._state, self._record_inbox)
        self._turns_this_run = 0
        # Parallel developers may all hit a budget: one question at a time, and a step that
        # waited while another's answer raised it just tries again.
        self._budget_lock = asyncio.Lock()
        self._budget_answers = 0
        self._budget_stop: str | None = None

    # ---- what people see and send -------------------------------------------------------

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
        """The same reply as a signal: accepted without a worker, checked when one runs."""
        problem = self._desk.problem_with(reply)
        if problem:
            self._desk.reject_queued(reply, problem)
        else:
            self._desk.apply(reply)

    @workflow.signal(name=PULL_REQUEST_CHANGED)
    def pull_request_changed(self, change: PullRequestChange) -> None:
        """github_sync saw a person merge or close one of our pull requests on the forge."""
        outside_changes.record(self._state, change)

    # ---- the pipeline --------------------------------------------------------------------

    @workflow.run
    async def run(self, input: ProjectInput) -> ProjectState:
        try:
            if self._notifies_owner() and input.resume is None:
                await self._notify(f"Project accepted: {input.idea[:200]}")
            await self._stage("brainstorm", self._brainstorm)
            await self._stage("zavhoz", self._zavhoz)
            await self._stage("architect", self._architect)
            await self._develop_and_review()
            await self._stage("devops", self._devops)
        except asyncio.CancelledError:
            await self._finish("cancelled", self._cancel_summary())
            raise
        except (StageFailed, Aborted) as failure:
            await self._finish("failed", str(failure))
            raise ApplicationError(str(failure), non_retryable=True) from None
        await self._finish("completed", f"live at {self._state.live_url}")
        return self._state

    # ---- stages -------------------------------------------------------------------------

    async def _brainstorm(self) -> str:
        """Draft the spec; ask the person what the model could not decide; get it approved."""
        state = self._state
        while True:
            if (
                self._turns_this_run >= self._input.continue_as_new_after_turns
                or workflow.info().is_continue_as_new_suggested()
            ):
                await self._continue_as_new()
            state.brainstorm_turn += 1
            self._turns_this_run += 1
            result = await self._write_spec()
            state.spec_name, state.model_label = result.spec_name, result.model_label
            last_turn = state.brainstorm_turn >= self._input.max_brainstorm_turns
            if result.questions and not last_turn:
                for question in result.questions:
                    item = await self._desk.question(question, "brainstorm")
                    state.conversation.append(QA(question, item.answer))
                continue
            if not self._input.gates.spec:
                return f"spec '{result.title}' written by the {result.model_label}"
            decision = await self._desk.approval(
                f"Approve the spec '{result.title}'?", "brainstorm", result.summary
            )
            if decision.choice == "approve":
                return f"spec '{result.title}' approved by {decision.answered_by or 'a person'}"
            if decision.status == "expired" or last_turn:
                raise Aborted(f"spec not approved: {decision.answer or 'rejected'}")
            state.conversation.append(QA("Feedback on the previous spec", decision.answer))

    async def _write_spec(self) -> BrainstormResult:
        return await self._activity(
            BrainstormActivities.write_spec,
            BrainstormInput(
                project_id=self._input.project_id,
                tenant_id=self._input.tenant_id,
                idea=self._input.idea,
                turn=self._state.brainstorm_turn,
                conversation=self._state.conversation,
            ),
        )

    async def _zavhoz(self) -> str:
        allocation = await self._allocate()
        self._state.port = allocation.port
        if workflow.patched(ZAVHOZ_SECRETS_PATCH):
            # Ask, then look again: a secret removed or never given is asked for once more.
            while allocation.missing_secrets:
                await self._ask_for_secrets(allocation.missing_secrets)
                allocation = await self._allocate()
        if allocation.costs and self._input.gates.spending:
            bill = "; ".join(
                f"{c.description}: ${c.monthly_usd:.2f}/month" for c in allocation.costs
            )
            await self._approve("zavhoz", f"Spend money on: {bill}?", bill)
        return f"port {allocation.port} allocated"

    async def _allocate(self) -> Allocation:
        return await self._activity(
            ZavhozActivities.allocate_resources, self._ref(), policies.BOOKKEEPING
        )

    async def _ask_for_secrets(self, missing: list[MissingSecret]) -> None:
        """One inbox item per secret, all open at once; their answers are handles only."""
        items = await asyncio.gather(*(self._desk.secret(need, "zavhoz") for need in missing))
        expired = [
            need.name for need, item in zip(missing, items, strict=True) if item.status == "expired"
        ]
        if expired:
            raise StageFailed(f"secrets not given in time: {', '.join(expired)}")

    async def _architect(self) -> str:
        repo = await self._activity(
            ArchitectActivities.create_repository, self._ref(), policies.FORGE
        )
        self._state.repository_url = repo.repository_url
        plan = await self._activity(ArchitectActivities.plan_tasks, self._ref())
        self._state.tasks = [TaskState(key=t.key, title=t.title) for t in plan.tasks]
        return f"repository ready, {len(plan.tasks)} tasks planned"

    async def _develop_and_review(self) -> None:
        """Developers work in parallel; the reviewer merges or sends tasks back, round by round."""
        rounds_allowed = self._input.max_review_rounds
        while True:
            pending = [t for t in self._state.tasks if t.status not in ("merged", "skipped")]
            if not pending:
                return
            if self._state.review_round >= rounds_allowed:
                choice = await self._stuck_review(pending, rounds_allowed)
                if choice == "skip":
                    for task in pending:
                        task.status = "skipped"
                    return
                rounds_allowed += 1
            self._state.review_round += 1
            await self._stage("developer", partial(self._develop, pending))
            _skip_unfinished(pending, "developing")  # a person chose to skip failed developers
            reviewable = [t for t in pending if t.status == "in_review"]
            await self._stage("reviewer", partial(self._review, reviewable))
            _skip_unfinished(reviewable, "in_review")  # ... or a review that kept failing

    async def _stuck_review(self, pending: list[TaskState], limit: int) -> str:
        keys = ", ".join(t.key for t in pending)
        item = await self._escalate(
            "reviewer",
            f"Review rounds exhausted ({limit}); not merged: {keys}",
            context="\n\n".join(f"{t.key}: {t.feedback}" for t in pending),
        )
        if item.choice == "instruct":
            for task in pending:
                task.feedback = (
                    f"{task.feedback}\n\nInstructions from {item.answered_by}: {item.answer}"
                )
        return item.choice

    async def _develop(self, tasks: list[TaskState]) -> str:
        slots = asyncio.Semaphore(max(1, self._input.max_parallel_developers))

        async def one(task: TaskState) -> None:
            async with slots:
                if self._outside_changes_applied() and task.status == "merged":
                    return  # merged by a person while it waited for a developer
                task.status = "developing"
                task.rounds += 1
                child_id = f"{workflow.info().workflow_id}-task-{task.key}-r{task.rounds}"
                budget_retries = 0
                while True:
                    # A run again after a raised budget is a child of its own id.
                    suffix = f"-b{budget_retries}" if budget_retries else ""
                    try:
                        result = await self._developer(task, child_id + suffix)
                        break
                    except ChildWorkflowError as err:
                        await self._over_budget(err)  # re-raises anything else
                        budget_retries += 1
                task.branch, task.pr_number = result.branch, result.pr_number
                task.status = "in_review"

        todo = [t for t in tasks if t.status != "in_review"]  # a retry redoes what failed only
        return await self._developers_settled(todo, one)

    async def _developer(self, task: TaskState, child_id: str) -> DeveloperResult:
        return await workflow.execute_child_workflow(
            DeveloperWorkflow.run,
            DeveloperInput(
                project_id=self._input.project_id,
                tenant_id=self._input.tenant_id,
                task_key=task.key,
                round=task.rounds,
                feedback=task.feedback,
            ),
            id=child_id,
            task_queue=workflow.info().task_queue,
            search_attributes=self._child_search_attributes(),
            task_timeout=policies.WORKFLOW_TASK,
        )

    async def _developers_settled(
        self, todo: list[TaskState], one: Callable[[TaskState], Coroutine[Any, Any, None]]
    ) -> str:
        if not workflow.patched(DEVELOPERS_SETTLE_PATCH):
            await asyncio.gather(*(one(t) for t in todo))
            return f"{len(todo)} pull requests opened (round {self._state.review_round})"
        if workflow.patched(BUDGET_STOP_CANCELS_PATCH):
            results = await self._developers_until_budget_stop([one(t) for t in todo])
        else:
            # Let every developer finish before reporting a failure: none is left running.
            results = await asyncio.gather(*(one(t) for t in todo), return_exceptions=True)
        failures = [r for r in results if isinstance(r, BaseException)]
        if failures:
            raise failures[0]
        return f"{len(todo)} pull requests opened (round {self._state.review_round})"

    async def _developers_until_budget_stop(
        self, runs: list[Coroutine[Any, Any, None]]
    ) -> list[BaseException | None]:
        """Every developer settles, as before; but once the owner refused to raise a used-up
        budget, the ones still coding are cancelled (their sandboxes stopped) at once, so
        they neither keep paying nor open pull requests nobody will review."""
        running = [asyncio.create_task(run) for run in runs]
        try:
            await workflow.wait_condition(
                lambda: all(r.done() for r in running) or self._budget_stop is not None
            )
        except asyncio.CancelledError:  # the project's cancel reaches each developer, as gather's
            await _cancel_all(running)
            raise
        if self._budget_stop is not None:
            await _cancel_all(running)
        results = await asyncio.gather(*running, return_exceptions=True)
        if self._budget_stop is not None:  # not the cancels: the stop is what happened
            raise Aborted(self._budget_stop)
        return results

    async def _review(self, tasks: list[TaskState]) -> str:
        merged = outside = 0
        # Sequential on purpose: each merge moves main, the next review sees it.
        for task in tasks:
            if self._settled_outside(task):
                outside += 1
                continue
            pr = PullRequestRef(
                project_id=self._input.project_id,
                tenant_id=self._input.tenant_id,
                task_key=task.key,
                branch=task.branch or "",
                pr_number=task.pr_number or 0,
            )
            review = await self._activity(ReviewerActivities.review_pull_request, pr)
            if self._settled_outside(task):  # while the reviewer read it
                outside += 1
                continue
            if review.leaks and workflow.patched(SECRET_DIFF_SCAN_PATCH):
                await self._secret_in_pull_request(task, review)
                continue
            approved, comments = review.approved, review.comments
            if approved and review.breaking and self._input.gates.merge:
                decision = await self._desk.approval(
                    f"Merge breaking change #{task.pr_number} ({task.key})?",
                    "reviewer",
                    review.comments,
                    task_key=task.key,
                )
                approved = decision.choice == "approve"
                comments = decision.answer or "merge of a breaking change was not approved"
                if self._settled_outside(task):  # while the gate waited for a person
                    outside += 1
                    continue
            if approved:
                await self._activity(ReviewerActivities.merge_pull_request, pr, policies.FORGE)
                task.status, task.feedback = "merged", ""
                merged += 1
            else:
                task.status, task.feedback = "changes_requested", comments
        by_people = f", {outside} merged or closed by people" if outside else ""
        return f"{merged} of {len(tasks)} merged{by_people} (round {self._state.review_round})"

    def _settled_outside(self, task: TaskState) -> bool:
        """True when a person merged or closed the task's pull request on the forge while it
        waited for review: the reviewer leaves the task as the change put it."""
        return self._outside_changes_applied() and task.status != "in_review"

    def _outside_changes_applied(self) -> bool:
        # Histories without the signal never reach patched(): they replay as they ran.
        if not self._state.pr_changes or not workflow.patched(OUTSIDE_CHANGES_PATCH):
            return False
        outside_changes.apply_all(self._state)
        return True

    async def _secret_in_pull_request(self, task: TaskState, review: ReviewResult) -> None:
        """Never merged, and a person decides: a developer told only "remove it" could
        leak it again round after round, and the value may need rotating besides."""
        leaks = [str(leak) for leak in review.leaks]
        shown = "; ".join(leaks[:3]) + (f"; and {len(leaks) - 3} more" if len(leaks) > 3 else "")
        item = await self._escalate(
            "reviewer",
            f"Merge of #{task.pr_number} ({task.key}) blocked: secret values in it: {shown}",
            context="\n".join(leaks) + "\n\nConsider rotating these secrets. retry sends the "
            "task back to its developer, instruct adds your instructions, skip drops the task.",
        )
        if item.choice == "skip":
            task.status = "skipped"
            return
        task.status, task.feedback = "changes_requested", review.comments
        if item.choice == "instruct":
            task.feedback += f"\n\nInstructions from {item.answered_by}: {item.answer}"

    async def _devops(self) -> str:
        await self._check_readiness()
        head = await self._activity(DevOpsActivities.main_head, self._ref(), policies.FORGE)
        result = await self._deploy(head, f"r{self._state.review_round}-{head[:10]}")
        if result.status != "healthy":
            raise StageFailed(f"deploy {result.status}: {result.message}")
        self._state.live_url = result.url
        detail = f"release {result.release_id} healthy at {result.url}"
        return f"{detail}; {result.note}" if result.note else detail

    async def _check_readiness(self) -> None:
        if workflow.patched(DEPLOY_READINESS_PATCH):
            readiness = await self._activity(
                DevOpsActivities.check_readiness, self._ref(), policies.BOOKKEEPING
            )
            if not readiness.ready:  # nothing is deployed while anything is missing
                raise StageFailed(f"not ready to deploy: {readiness.summary()}")

    async def _deploy(self, head: str, release_id: str, requested_by: str = "") -> DeployResult:
        """Approved (with the deploy gate), deployed and health-checked; rolled back on failure.
        The release is recorded as asked by `requested_by` (empty: the project's owner)."""
        if self._input.gates.deploy:
            await self._approve(
                "devops",
                f"Deploy release {release_id} on port {self._state.port}?",
                f"commit {head}",
            )
        deploy = DeployInput(
            project_id=self._input.project_id,
            tenant_id=self._input.tenant_id,
            commit=head,
            release_id=release_id,
            port=self._state.port or 0,
            requested_by=requested_by,
        )
        if workflow.patched(LIVE_LOCK_PATCH):
            result = await deploy_holding_live_lock(deploy)
        else:
            result = await self._activity(DevOpsActivities.deploy_release, deploy, policies.DEPLOY)
        self._state.release_id = result.release_id
        return result

    # ---- people ---------------------------------------------------------------------------

    async def _approve(self, stage: StageName, prompt: str, context: str) -> None:
        decision = await self._desk.approval(prompt, stage, context)
        if decision.choice != "approve":
            raise Aborted(f"{stage}: not approved ({decision.answer or 'rejected'})")

    async def _escalate(self, stage: StageName, reason: str, context: str = "") -> InboxItem:
        """Ask a person how to go on instead of failing; abort raises, other choices return."""
        item = await self._desk.escalation(reason, stage, context)
        if item.choice == "abort":
            raise Aborted(f"{reason} — aborted ({item.answer or 'by a person'})")
        return item

    async def _record_inbox(self, item: InboxItem, change: InboxChangeKind, note: str) -> None:
        await self._activity(
            HumanActivities.record_inbox,
            InboxChange(self._input.project_id, self._input.tenant_id, item, change, note),
            policies.BOOKKEEPING,
        )

    async def _notify(self, text: str) -> None:
        await self._activity(
            HumanActivities.notify_owner,
            Notification(self._input.project_id, self._input.tenant_id, self._input.owner, text),
            policies.BOOKKEEPING,
        )

    def _notifies_owner(self) -> bool:
        # Projects started before owners were notified replay without these activities.
        return workflow.patched(NOTIFY_OWNER_PATCH)

    # ---- plumbing -----------------------------------------------------------------------

    async def _stage(self, name: StageName, body: Callable[[], Awaitable[str]]) -> None:
        record = self._state.stage_record(name)
        if record.status == "completed" and name not in REVIEW_LOOP:
            return  # done before a continue-as-new (the review loop's stages rerun each round)
        self._state.stage = name
        record.status, record.started_at, record.finished_at = "running", _now(), None
        self._set_search_attributes()
        await self._progress("stage_started", f"{name} started")
        while True:
            try:
                record.detail = await body()
                break
            except (ActivityError, ChildWorkflowError) as err:
                if isinstance(err.cause, CancelledError):  # the cancel reached us via a child
                    record.status, record.finished_at = "cancelled", _now()
                    raise asyncio.CancelledError() from err
                failure = f"{name} failed: {_cause(err)}"
            except StageFailed as err:
                failure = str(err)
            except asyncio.CancelledError:
                record.status, record.finished_at = "cancelled", _now()
                raise
            except Aborted:
                record.status, record.finished_at = "failed", _now()
                raise
            # Stuck: a person decides whether to retry, go on with instructions, or stop.
            record.detail = failure
            try:
                item = await self._escalate(name, failure)
            except Aborted:
                record.status, record.finished_at = "failed", _now()
                raise
            if item.choice == "skip":  # only offered where tasks can be skipped
                record.detail = f"skipped after: {failure}"
                break
            await self._progress("stage_retried", f"{name}: retrying ({item.choice})")
        record.status, record.finished_at = "completed", _now()
        await self._progress("stage_completed", f"{name}: {record.detail}")

    async def _continue_as_new(self) -> None:
        """Long conversations start a fresh history; the state (and context) goes along."""
        await workflow.wait_condition(workflow.all_handlers_finished)
        workflow.continue_as_new(dataclasses.replace(self._input, resume=self._state))

    async def _finish(self, status: FinalStatus, message: str) -> None:
        self._state.status = status
        if status != "completed":
            self._state.error = message
        self._set_search_attributes()
        # After a cancel is delivered the workflow may still run activities: record the end.
        await self._progress(f"project_{status}", message)
        if self._notifies_owner():
            await self._notify(f"Project {status}: {message}")

    def _cancel_summary(self) -> str:
        done = [t.key for t in self._state.tasks if t.status == "merged"]
        return "project cancelled" + (
            f"; merged before the cancel: {', '.join(done)}" if done else ""
        )

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
            policies.BOOKKEEPING,
        )

    async def _activity(
        self,
        method: Callable[[Any, Arg], Awaitable[Result]],
        arg: Arg,
        policy: policies.ActivityPolicy = policies.MODEL_CALL,
    ) -> Result:
        while True:
            try:
                return await run_activity(method, arg, policy)
            except ActivityError as err:
                await self._over_budget(err)  # re-raises anything else

    async def _over_budget(self, err: ActivityError | ChildWorkflowError) -> None:
        """Return when the step that failed with `err` should run again: it stopped at a
        used-up budget and the owner raised it. Anything else is raised again."""
        budget = budget_stop.exhausted_budget(err)
        # Older histories never saw a budget stop, so they never reach patched() here.
        if budget is None or not workflow.patched(BUDGET_APPROVAL_PATCH):
            raise err
        answers_seen = self._budget_answers
        async with self._budget_lock:
            if self._budget_stop is None and self._budget_answers == answers_seen:
                await self._ask_for_budget(budget)
        if self._budget_stop is not None:
            raise Aborted(self._budget_stop)

    async def _ask_for_budget(self, budget: BudgetState) -> None:
        project = self._input.project_id
        await self._progress("budget_paused", f"paused: {budget.describe()}")
        decision = await self._desk.approval(
            budget_stop.approval_prompt(project, budget, self._input.max_parallel_developers),
            self._state.stage,
            budget.describe(),
            check=budget_stop.reply_check(budget),
        )
        self._budget_answers += 1
        if decision.choice != "approve":
            self._budget_stop = (
                f"stopped at the {budget.describe()}: {decision.answer or 'not raised'}"
            )
            return
        limit = budget_stop.new_limit(decision, budget)
        await self._activity(
            SpendingActivities.set_budget,
            BudgetChange(project, self._input.tenant_id, budget.scope, limit, decision.answered_by),
            policies.BOOKKEEPING,
        )  # its event (budget_raised) says so

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


async def _cancel_all(running: list[asyncio.Task[None]]) -> None:
    """Cancel each task and wait until each has ended (its child's sandbox stopped)."""
    for run in running:
        run.cancel()
    await asyncio.gather(*running, return_exceptions=True)


def _skip_unfinished(tasks: list[TaskState], stuck_in: TaskStatus) -> None:
    for task in tasks:
        if task.status == stuck_in:
            task.status = "skipped"


def _now() -> str:
    return workflow.now().isoformat(timespec="seconds")


def _cause(err: BaseException) -> str:
    """The innermost message: what actually went wrong, not the wrapper's."""
    while err.__cause__ is not None:
        err = err.__cause__
    return str(err) or type(err).__name__
