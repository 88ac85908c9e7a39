"""Typed payloads that cross the durable boundary (workflow, activity and query arguments).

Each workflow and activity takes one dataclass so fields can be added with defaults without
breaking running workflows. Big blobs (spec text, diffs, logs) stay in the database; these
carry ids and short summaries.
"""

from __future__ import annotations

from dataclasses import dataclass, field

STAGES = ("brainstorm", "zavhoz", "architect", "developer", "reviewer", "devops")


@dataclass
class StageRecord:
    name: str
    status: str = "pending"  # pending | running | completed | failed | cancelled
    started_at: str | None = None
    finished_at: str | None = None
    detail: str = ""


@dataclass
class TaskState:
    key: str
    title: str
    status: str = (
        "pending"  # pending | developing | in_review | changes_requested | merged | failed
    )
    branch: str | None = None
    pr_number: int | None = None
    rounds: int = 0
    feedback: str = ""


@dataclass
class ProjectInput:
    project_id: str
    tenant_id: str
    idea: str
    max_parallel_developers: int = 3
    max_review_rounds: int = 2


@dataclass
class ProjectState:
    """Everything ProjectWorkflow knows; what the `status` query returns."""

    project_id: str
    tenant_id: str
    status: str = "running"  # running | completed | failed | cancelled
    stage: str = "brainstorm"
    stages: list[StageRecord] = field(default_factory=lambda: [StageRecord(s) for s in STAGES])
    model_label: str = ""
    spec_name: str | None = None
    repository_url: str | None = None
    port: int | None = None
    tasks: list[TaskState] = field(default_factory=list)
    review_round: int = 0
    release_id: str | None = None
    live_url: str | None = None
    error: str | None = None

    def stage_record(self, name: str) -> StageRecord:
        return next(s for s in self.stages if s.name == name)


@dataclass
class ProjectRef:
    project_id: str
    tenant_id: str


@dataclass
class ProgressUpdate:
    """Mirror of a workflow transition into the database (project row + event)."""

    project_id: str
    tenant_id: str
    kind: str  # stage_started | stage_completed | stage_failed | project_completed | ...
    message: str
    stage: str
    status: str
    stages: list[StageRecord] = field(default_factory=list)
    live_url: str | None = None
    error: str | None = None


@dataclass
class BrainstormResult:
    spec_name: str
    title: str
    model_label: str


@dataclass
class Allocation:
    port: int
    handles: list[str] = field(default_factory=list)


@dataclass
class RepositoryResult:
    repository_url: str


@dataclass
class PlannedTask:
    key: str
    title: str


@dataclass
class PlanResult:
    tasks: list[PlannedTask]


@dataclass
class DeveloperInput:
    project_id: str
    tenant_id: str
    task_key: str
    round: int = 1
    feedback: str = ""


@dataclass
class CodedBranch:
    task_key: str
    branch: str
    head_sha: str
    finished: bool
    summary: str


@dataclass
class PullRequestRef:
    project_id: str
    tenant_id: str
    task_key: str
    branch: str = ""
    pr_number: int = 0


@dataclass
class DeveloperResult:
    task_key: str
    branch: str
    pr_number: int
    head_sha: str
    summary: str


@dataclass
class ReviewResult:
    task_key: str
    approved: bool
    tests_passed: bool
    comments: str


@dataclass
class MergeResult:
    task_key: str
    merge_sha: str


@dataclass
class DeployInput:
    project_id: str
    tenant_id: str
    commit: str
    release_id: str
    port: int


@dataclass
class DeployResult:
    status: str  # healthy | rolled_back | failed
    release_id: str
    url: str
    message: str
