"""Stand-in activities registered under the real names, for orchestration-only workflow tests.

They record what the workflow asked for, so tests assert the stage order, parallelism, the
rework loop and failure handling without a model, git or ansible in the way.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.heartbeat import heartbeating
from adapters.sandbox.base import Sandbox
from core.budgets import BUDGET_EXHAUSTED
from core.contracts import (
    Allocation,
    BrainstormInput,
    BrainstormResult,
    BudgetChange,
    ChangeProgress,
    ChangeRef,
    ChangeSpecInput,
    ChangeStart,
    CodedBranch,
    Cost,
    DeployInput,
    DeployResult,
    DeveloperInput,
    InboxChange,
    MergeResult,
    MissingItem,
    MissingSecret,
    Notification,
    PlannedTask,
    PlanResult,
    ProgressUpdate,
    ProjectRef,
    PullRequestRef,
    Readiness,
    RepositoryResult,
    ReviewResult,
    SecretLeak,
)
from worker.composition import heartbeat_options
from workflows.change import ChangeWorkflow
from workflows.change_queue import ChangeQueueWorkflow
from workflows.developer import DeveloperWorkflow
from workflows.project import ProjectWorkflow


@dataclass(frozen=True)
class SandboxedCommand:
    """What a stand-in developer runs in a real sandbox, as the coding agent would."""

    sandbox: Sandbox
    workspace: Path
    command: str


@dataclass
class StandIns:
    tasks: tuple[str, ...] = ("health", "index", "weather")
    reject_first_round: set[str] = field(default_factory=set)  # tasks the reviewer sends back once
    always_reject: set[str] = field(default_factory=set)
    failing_activity: str | None = None  # always raises, to exercise retries → failed
    deploy_status: str = "healthy"
    not_ready: list[MissingItem] = field(default_factory=list)  # what readiness reports missing
    block_developers: bool = False  # developers work until cancelled
    developer_seconds: float = 0.0  # how long each developer works (real time)
    developer_command: SandboxedCommand | None = None
    questions: list[str] = field(default_factory=list)  # asked while no answer came back yet
    ask_every_turn: bool = False  # a model that keeps asking (long conversations)
    breaking: set[str] = field(default_factory=set)  # tasks the reviewer marks breaking
    leaks_once: dict[str, SecretLeak] = field(default_factory=dict)  # first review finds it
    costs: list[Cost] = field(default_factory=list)
    # What each zavhoz call reports missing, call by call (nothing once the list runs out).
    missing_secrets: list[list[MissingSecret]] = field(default_factory=list)
    fail_first: dict[str, int] = field(default_factory=dict)  # activity -> failing attempts
    # Activity (without its task) -> how many calls find the budget used up, as the real
    # check at an activity's start does; each such call raises BudgetExhausted.
    budget_stops: dict[str, int] = field(default_factory=dict)
    budget_limit_usd: float = 1.0
    budgets_set: list[BudgetChange] = field(default_factory=list)
    inbox: list[InboxChange] = field(default_factory=list)
    notifications: list[str] = field(default_factory=list)
    brainstorms: list[BrainstormInput] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    progress: list[ProgressUpdate] = field(default_factory=list)
    reviews: dict[str, int] = field(default_factory=dict)
    developer_inputs: list[DeveloperInput] = field(default_factory=list)
    developers_at_once: int = 0
    most_developers_at_once: int = 0
    change_progress: list[ChangeProgress] = field(default_factory=list)

    def _enter(self, name: str) -> None:
        self.calls.append(name)
        if name == self.failing_activity:
            raise ApplicationError(f"{name} exploded (stand-in)")
        if self.fail_first.get(name, 0) > 0:
            self.fail_first[name] -= 1
            raise ApplicationError(f"{name} exploded (stand-in)")
        activity_name = name.split(":", 1)[0]
        if self.budget_stops.get(activity_name, 0) > 0:
            self.budget_stops[activity_name] -= 1
            limit = self.budgets_set[-1].limit_usd if self.budgets_set else self.budget_limit_usd
            raise ApplicationError(
                f"project budget of ${limit:.2f} reached (stand-in)",
                "project",
                limit,
                limit + 0.5,
                type=BUDGET_EXHAUSTED,
                non_retryable=True,
            )

    def opened(self, kind: str | None = None) -> list[InboxChange]:
        return [c for c in self.inbox if c.change == "opened" and kind in (None, c.item.kind)]

    def worker(
        self,
        env: WorkflowEnvironment,
        queue: str,
        workflow: type[ProjectWorkflow] = ProjectWorkflow,
        **options: Any,
    ) -> Worker:
        """A worker running the real workflows with these stand-ins as their activities."""
        return Worker(
            env.client,
            task_queue=queue,
            workflows=[workflow, DeveloperWorkflow, ChangeWorkflow, ChangeQueueWorkflow],
            activities=self.activities(),
            **{**heartbeat_options(), **options},
        )

    async def _develop(self) -> None:
        await asyncio.sleep(self.developer_seconds)
        while self.block_developers:
            activity.heartbeat()
            await asyncio.sleep(0.05)
        if self.developer_command is not None:
            job = self.developer_command
            async with heartbeating(every_s=0.2):
                await job.sandbox.run(job.workspace, job.command, timeout_s=3600)

    def activities(self) -> list[object]:
        @activity.defn(name="record_progress")
        async def record_progress(update: ProgressUpdate) -> None:
            self.progress.append(update)

        @activity.defn(name="humans.record_inbox")
        async def record_inbox(change: InboxChange) -> None:
            self.inbox.append(change)

        @activity.defn(name="humans.notify_owner")
        async def notify_owner(note: Notification) -> None:
            self.notifications.append(note.text)

        @activity.defn(name="budgets.set")
        async def set_budget(change: BudgetChange) -> None:
            self.calls.append("budgets.set")
            self.budgets_set.append(change)

        @activity.defn(name="brainstorm.write_spec")
        async def write_spec(input: BrainstormInput) -> BrainstormResult:
            self._enter("brainstorm.write_spec")
            self.brainstorms.append(input)
            asking = self.ask_every_turn or not input.conversation
            questions = [f"{q} (turn {input.turn})" for q in self.questions] if asking else []
            return BrainstormResult(
                "weather-bot", "Weather bot", "stand-in model", questions, "a summary"
            )

        @activity.defn(name="zavhoz.allocate_resources")
        async def allocate(ref: ProjectRef) -> Allocation:
            self._enter("zavhoz.allocate_resources")
            missing = self.missing_secrets.pop(0) if self.missing_secrets else []
            return Allocation(
                port=18001, handles=["port://p/http"], costs=self.costs, missing_secrets=missing
            )

        @activity.defn(name="architect.create_repository")
        async def create_repository(ref: ProjectRef) -> RepositoryResult:
            self._enter("architect.create_repository")
            return RepositoryResult("file:///forge/weather-bot.git")

        @activity.defn(name="architect.plan_tasks")
        async def plan_tasks(ref: ProjectRef) -> PlanResult:
            self._enter("architect.plan_tasks")
            return PlanResult([PlannedTask(key, key.title()) for key in self.tasks])

        @activity.defn(name="developer.write_code")
        async def write_code(input: DeveloperInput) -> CodedBranch:
            self._enter(f"developer.write_code:{input.task_key}:r{input.round}")
            self.developer_inputs.append(input)
            self.developers_at_once += 1
            self.most_developers_at_once = max(
                self.most_developers_at_once, self.developers_at_once
            )
            try:
                await self._develop()
            finally:
                self.developers_at_once -= 1
            return CodedBranch(input.task_key, f"task/{input.task_key}", "abc123", True, "done")

        @activity.defn(name="developer.open_pull_request")
        async def open_pull_request(ref: PullRequestRef) -> PullRequestRef:
            self._enter(f"developer.open_pull_request:{ref.task_key}")
            number = self.tasks.index(ref.task_key) + 1
            return PullRequestRef(ref.project_id, ref.tenant_id, ref.task_key, ref.branch, number)

        @activity.defn(name="reviewer.review_pull_request")
        async def review(ref: PullRequestRef) -> ReviewResult:
            self._enter(f"reviewer.review_pull_request:{ref.task_key}")
            seen = self.reviews[ref.task_key] = self.reviews.get(ref.task_key, 0) + 1
            rejected = ref.task_key in self.always_reject or (
                ref.task_key in self.reject_first_round and seen == 1
            )
            leak = self.leaks_once.get(ref.task_key) if seen == 1 else None
            return ReviewResult(
                ref.task_key,
                not rejected and leak is None,
                not rejected,
                f"remove {leak}" if leak else "fix the tests",
                ref.task_key in self.breaking,
                [leak] if leak else [],
            )

        @activity.defn(name="reviewer.merge_pull_request")
        async def merge(ref: PullRequestRef) -> MergeResult:
            self._enter(f"reviewer.merge_pull_request:{ref.task_key}")
            return MergeResult(ref.task_key, "f00d")

        @activity.defn(name="devops.main_head")
        async def main_head(ref: ProjectRef) -> str:
            self._enter("devops.main_head")
            return "0123456789abcdef"

        @activity.defn(name="devops.check_readiness")
        async def check_readiness(ref: ProjectRef) -> Readiness:
            self._enter("devops.check_readiness")
            return Readiness(ref.project_id, list(self.not_ready), ["stand-in"])

        @activity.defn(name="devops.deploy_release")
        async def deploy(input: DeployInput) -> DeployResult:
            self._enter("devops.deploy_release")
            return DeployResult(
                self.deploy_status, input.release_id, f"http://127.0.0.1:{input.port}", "stand-in"
            )

        return [
            *self._change_activities(),
            record_progress,
            record_inbox,
            notify_owner,
            set_budget,
            write_spec,
            allocate,
            create_repository,
            plan_tasks,
            write_code,
            open_pull_request,
            review,
            merge,
            main_head,
            check_readiness,
            deploy,
        ]

    def _change_activities(self) -> list[object]:
        @activity.defn(name="changes.begin")
        async def begin(ref: ChangeRef) -> ChangeStart:
            self._enter("changes.begin")
            return ChangeStart(port=18001, release_id="r1-0123456789")

        @activity.defn(name="changes.write_spec")
        async def write_change_spec(input: ChangeSpecInput) -> BrainstormResult:
            self._enter("changes.write_spec")
            asking = not input.conversation
            questions = [f"{q} (turn {input.turn})" for q in self.questions] if asking else []
            return BrainstormResult(
                "Add /stats", "Add /stats", "stand-in model", questions, "delta"
            )

        @activity.defn(name="changes.plan_tasks")
        async def plan_change(ref: ChangeRef) -> PlanResult:
            self._enter("changes.plan_tasks")
            return PlanResult([PlannedTask(key, key.title()) for key in self.tasks])

        @activity.defn(name="changes.record_progress")
        async def record_change(update: ChangeProgress) -> None:
            self.change_progress.append(update)

        return [begin, write_change_spec, plan_change, record_change]
