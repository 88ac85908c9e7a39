"""Typed payloads that cross the durable boundary (workflow, activity and query arguments).

Each workflow and activity takes one dataclass so fields can be added with defaults without
breaking running workflows. Big blobs (spec text, diffs, logs) stay in the database; these
carry ids and short summaries.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.vocabulary import (
    GATE_NAMES,
    STAGES,
    ChangeStatus,
    CodingStop,
    GateName,
    InboxChangeKind,
    InboxKind,
    InboxStatus,
    ProjectStatus,
    PullRequestOutcome,
    ReleaseStatus,
    ServiceAction,
    StageName,
    StageStatus,
    TaskStatus,
    TimeoutPolicy,
)


@dataclass
class StageRecord:
    name: StageName
    status: StageStatus = "pending"
    started_at: str | None = None
    finished_at: str | None = None
    detail: str = ""


@dataclass
class TaskState:
    key: str
    title: str
    status: TaskStatus = "pending"
    branch: str | None = None
    pr_number: int | None = None
    rounds: int = 0
    feedback: str = ""


@dataclass
class Gates:
    """Decisions a person must take before the pipeline goes on; configurable per project."""

    spec: bool = False  # approve the spec before anything is built
    merge: bool = False  # approve merging a pull request the reviewer marks as breaking
    deploy: bool = False  # approve each release before it goes live
    spending: bool = False  # approve resources that cost money (domains, servers)

    @classmethod
    def parse(cls, names: list[str]) -> Gates:
        unknown = set(names) - set(GATE_NAMES)
        if unknown:
            raise ValueError(f"unknown gate(s) {sorted(unknown)}; choose from {list(GATE_NAMES)}")
        return cls(**dict.fromkeys(names, True))

    def enabled(self) -> list[GateName]:
        return [name for name in GATE_NAMES if getattr(self, name)]


@dataclass
class EscalationPolicy:
    """How long a person is waited for, how often reminded, and what happens after that."""

    reminder_every_s: int = 4 * 3600
    timeout_s: int = 3 * 24 * 3600
    on_timeout: TimeoutPolicy = "abort"  # escalations only; approvals time out rejected


@dataclass
class InboxItem:
    """A question, approval or escalation waiting for a person."""

    id: str
    kind: InboxKind
    prompt: str
    stage: StageName
    options: list[str] = field(default_factory=list)  # the choices offered
    context: str = ""
    task_key: str | None = None
    opened_at: str = ""
    reminders: int = 0
    status: InboxStatus = "open"
    # A plain str, not ReplyChoice: state saved by older code may hold any string here, and
    # the data converter refuses a value outside a Literal, which would stall the project.
    choice: str = ""
    answer: str = ""
    answered_by: str = ""


@dataclass
class HumanReply:
    """An answer to an inbox item, by update (validated at once) or by signal (queued)."""

    item_id: str
    # What the person sent, unchecked: the desk refuses a wrong choice with a reason the
    # sender reads, where a `ReplyChoice` field would fail in the data converter instead.
    choice: str = ""
    text: str = ""
    user: str = ""
    project_id: str = ""
    tenant_id: str = ""


@dataclass
class QA:
    question: str
    answer: str


# The signal github_sync sends a project's workflow; one name for the sender and the receiver.
PULL_REQUEST_CHANGED = "pull_request_changed"


@dataclass
class PullRequestChange:
    """A pull request merged or closed by a person outside the orchestrator."""

    project_id: str
    tenant_id: str
    pr_number: int
    outcome: PullRequestOutcome
    task_key: str = ""
    url: str = ""
    merge_sha: str = ""


@dataclass
class ProjectInput:
    project_id: str
    tenant_id: str
    idea: str
    max_parallel_developers: int = 3
    max_review_rounds: int = 2
    owner: str = ""  # only the owner may answer; empty means anyone in the tenant
    gates: Gates = field(default_factory=Gates)
    escalation: EscalationPolicy = field(default_factory=EscalationPolicy)
    max_brainstorm_turns: int = 4
    continue_as_new_after_turns: int = 20  # brainstorm turns per history before a fresh one
    resume: ProjectState | None = None  # set by continue-as-new


@dataclass
class ProjectState:
    """Everything ProjectWorkflow knows; what the `status` query returns."""

    project_id: str
    tenant_id: str
    status: ProjectStatus = "running"
    stage: StageName = "brainstorm"
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
    inbox: list[InboxItem] = field(default_factory=list)
    conversation: list[QA] = field(default_factory=list)
    brainstorm_turn: int = 0
    rejected_replies: list[str] = field(default_factory=list)
    # Merges and closes people did on the forge, as github_sync reported them (oldest first).
    pr_changes: list[PullRequestChange] = field(default_factory=list)

    def open_items(self) -> list[InboxItem]:
        return [item for item in self.inbox if item.status == "open"]

    def stage_record(self, name: StageName) -> StageRecord:
        return next(s for s in self.stages if s.name == name)


@dataclass
class ProjectRef:
    project_id: str
    tenant_id: str


@dataclass
class ForgeSyncInput:
    """One pass of github_sync; the schedule starts it with the defaults."""

    tenant_id: str = ""  # empty: every tenant


@dataclass
class ForgeSyncResult:
    projects: int = 0
    changes: list[PullRequestChange] = field(default_factory=list)


@dataclass
class ProgressUpdate:
    """Mirror of a workflow transition into the database (project row + event)."""

    project_id: str
    tenant_id: str
    kind: str  # stage_started | stage_completed | stage_retried | project_<final status>
    message: str
    stage: StageName
    status: ProjectStatus
    stages: list[StageRecord] = field(default_factory=list)
    live_url: str | None = None
    error: str | None = None


@dataclass
class BrainstormInput:
    project_id: str
    tenant_id: str
    idea: str
    turn: int = 1
    conversation: list[QA] = field(default_factory=list)


@dataclass
class BrainstormResult:
    spec_name: str
    title: str
    model_label: str
    questions: list[str] = field(default_factory=list)
    summary: str = ""


@dataclass
class InboxChange:
    """Mirror of an inbox transition into the database, the event log and the owner's chat."""

    project_id: str
    tenant_id: str
    item: InboxItem
    change: InboxChangeKind
    note: str = ""


@dataclass
class Notification:
    project_id: str
    tenant_id: str
    owner: str
    text: str


@dataclass
class BudgetChange:
    """A budget the owner raised from the desk (`scope` "project" or "tenant")."""

    project_id: str
    tenant_id: str
    scope: str
    limit_usd: float
    set_by: str = ""


@dataclass
class Cost:
    description: str
    monthly_usd: float


@dataclass
class MissingSecret:
    """A secret the spec needs that the store does not hold yet: its handle, never a value."""

    name: str
    purpose: str
    handle: str


@dataclass
class Allocation:
    port: int
    handles: list[str] = field(default_factory=list)
    costs: list[Cost] = field(default_factory=list)  # money the project would spend
    missing_secrets: list[MissingSecret] = field(default_factory=list)


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
    # Why the session ended, and where its transcript is: a path under the data dir, never the
    # transcript itself (it would swell history towards Temporal's 2 MB payload limit).
    stop: CodingStop = "finished"
    transcript: str = ""


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
class SecretLeak:
    """A known secret value on an added line of a pull request's diff; only its handle."""

    path: str
    line: int
    handle: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line} holds the value of {self.handle}"


@dataclass
class ReviewResult:
    task_key: str
    approved: bool
    tests_passed: bool
    comments: str
    breaking: bool = False  # the reviewer thinks merging breaks existing behaviour
    leaks: list[SecretLeak] = field(default_factory=list)  # each one blocks the merge


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
    requested_by: str = ""  # empty: the project's pipeline, on behalf of its owner


@dataclass
class DeployResult:
    status: ReleaseStatus
    release_id: str
    url: str
    message: str
    number: int | None = None  # the release's number within its project
    note: str = ""  # what the stage did about DNS (or why nothing), for its detail


@dataclass
class RollbackInput:
    """Which release to go back to. Its first fields are ProjectRef's: RollbackWorkflow
    histories that passed a ProjectRef decode into this."""

    project_id: str
    tenant_id: str
    to_release: int | None = None  # a release number; None: the healthy one before
    requested_by: str = ""
    reason: str = ""  # why, in words (health_checker says what stopped answering)


@dataclass
class ReleaseCommand:
    """A change to a live service that a person (or health_checker) asks for."""

    project_id: str
    tenant_id: str
    action: ServiceAction
    release: int | None = None  # deploy: redeploy this release's commit; None: main's head
    requested_by: str = ""


@dataclass
class ReleaseSource:
    commit: str
    port: int


@dataclass
class MissingItem:
    """One thing a deploy needs that is not there, in words a person can act on."""

    check: str  # the named check that found it: secrets, resources, server, dns, …
    what: str
    fix: str = ""


@dataclass
class Readiness:
    project_id: str
    missing: list[MissingItem] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)  # the checks that ran

    @property
    def ready(self) -> bool:
        return not self.missing

    def summary(self) -> str:
        return "; ".join(
            f"{m.check}: {m.what}" + (f" ({m.fix})" if m.fix else "") for m in self.missing
        )


@dataclass
class HealthCheckInput:
    """One round of health_checker, as its Schedule starts it (values from settings)."""

    failures_allowed: int = 2  # failed checks in a row before a service is repaired
    health_path: str = "/health"
    escalation: EscalationPolicy = field(default_factory=EscalationPolicy)


@dataclass
class UnhealthyRelease:
    project_id: str
    tenant_id: str
    release_id: str
    number: int
    owner: str
    reason: str  # what the last check saw, in words


@dataclass
class RepairInput:
    release: UnhealthyRelease
    escalation: EscalationPolicy = field(default_factory=EscalationPolicy)


@dataclass
class IncidentInput:
    """A live service health_checker could not repair: a person decides what comes next."""

    project_id: str
    tenant_id: str
    owner: str
    prompt: str
    context: str
    failed_release: int  # what `retry` starts again
    item_prefix: str  # keeps its inbox ids apart from the project workflow's
    escalation: EscalationPolicy = field(default_factory=EscalationPolicy)


# ---- change requests to a live project ------------------------------------------------------


@dataclass
class ChangeRequest:
    """One change as the queue carries it; the text is short (services cap it)."""

    number: int
    text: str
    requested_by: str = ""


@dataclass
class ChangeInput:
    """A ChangeWorkflow: the project's settings (owner, gates, limits) and the change."""

    project: ProjectInput
    change: ChangeRequest
    resume: ProjectState | None = None  # set by continue-as-new (long conversations)


@dataclass
class ChangeQueueInput:
    """The per-project queue; `pending` and `taken` travel through continue-as-new."""

    project: ProjectInput
    pending: list[ChangeRequest] = field(default_factory=list)
    taken: list[int] = field(default_factory=list)


@dataclass
class ChangeRef:
    project_id: str
    tenant_id: str
    number: int


@dataclass
class ChangeStart:
    port: int
    release_id: str | None  # what serves now, before the change


@dataclass
class ChangeSpecInput:
    project_id: str
    tenant_id: str
    number: int
    turn: int = 1
    conversation: list[QA] = field(default_factory=list)


@dataclass
class ChangeProgress:
    """Mirror of a change's transition into its row and the project's event log."""

    project_id: str
    tenant_id: str
    number: int
    kind: str
    message: str
    status: ChangeStatus
    stage: StageName
    stages: list[StageRecord] = field(default_factory=list)
    release_id: str | None = None


@dataclass
class ChangeOutcome:
    number: int
    status: ChangeStatus
    release_id: str | None
    message: str
