"""The words workflows, services, the CLI and the API must agree on, declared once.

They cross the durable boundary inside core/contracts.py dataclasses, and Temporal's data
converter refuses a value outside a `Literal` when it decodes one: a word removed here breaks
replay of histories that hold it, so words are only ever added.
"""

from __future__ import annotations

from typing import Literal, get_args

StageName = Literal["brainstorm", "zavhoz", "architect", "developer", "reviewer", "devops"]
STAGES: tuple[StageName, ...] = get_args(StageName)
# The stages that rerun every review round (and may be skipped task by task).
REVIEW_LOOP: tuple[StageName, ...] = ("developer", "reviewer")

# Where a project is before its workflow reports its first stage (DB row, search attribute).
Queued = Literal["queued"]

StageStatus = Literal["pending", "running", "completed", "failed", "cancelled"]
ProjectStatus = Literal["queued", "running", "completed", "failed", "cancelled"]
# Ends a project: `completed`, `failed` or `cancelled` (never back to running).
FinalStatus = Literal["completed", "failed", "cancelled"]
FINAL_STATUSES: tuple[FinalStatus, ...] = get_args(FinalStatus)

TaskStatus = Literal[
    "pending",  # planned, no developer yet
    "developing",  # a DeveloperWorkflow works on it
    "in_review",  # a pull request is open
    "changes_requested",  # the reviewer (or a person at the merge gate) sent it back
    "merged",
    "skipped",  # a person (or the timeout policy) chose to go on without it
]

# Why a coding-agent session ended: it called `finish`, or a limit of its task stopped it
# (README, *Coding agent limits*), or an external CLI agent exited non-zero or ran out of time.
# Anything but `finished` comes with a report in words.
# `budget`: the project's or tenant's budget was used up between two steps of a session.
CodingStop = Literal[
    "finished", "step_limit", "token_limit", "loop", "agent_failed", "agent_timeout", "budget"
]

# What a person did to a pull request outside the orchestrator (github_sync reports it).
PullRequestOutcome = Literal["merged", "closed"]

GateName = Literal["spec", "merge", "deploy", "spending"]
GATE_NAMES: tuple[GateName, ...] = get_args(GateName)

# `secret`: a credential the spec needs; answered only by `secrets set` (the handle, never
# the value).
InboxKind = Literal["question", "approval", "escalation", "secret"]
InboxStatus = Literal["open", "answered", "expired"]
# What happened to an inbox item; the last two are also what an item's status becomes.
InboxChangeKind = Literal["opened", "reminded", "rejected", "answered", "expired"]

ApprovalChoice = Literal["approve", "reject"]
APPROVAL_CHOICES: tuple[ApprovalChoice, ...] = get_args(ApprovalChoice)
EscalationChoice = Literal["retry", "instruct", "skip", "abort"]
ESCALATION_CHOICES: tuple[EscalationChoice, ...] = get_args(EscalationChoice)
# A question's answer is text only: its choice stays empty.
ReplyChoice = Literal["", ApprovalChoice, EscalationChoice]
# What an unanswered escalation does when its time is up (approvals time out rejected).
TimeoutPolicy = Literal["abort", "skip", "retry"]

# A release's health result; `stopped`: a person stopped its service (`orchestrator stop`).
ReleaseStatus = Literal["healthy", "rolled_back", "failed", "stopped"]
# What a person (or health_checker) does to a project's live service, as a ReleaseWorkflow.
ServiceAction = Literal["deploy", "stop", "start", "restart"]
# Whether a project's serving release should answer: health_checker leaves `stopped` alone.
ServingState = Literal["live", "stopped"]

# What the last check of a server saw (`servers add`, `server_sync`); `unknown`: never checked.
ServerStatus = Literal["unknown", "reachable", "unreachable"]
# Where a change request to a live project is: waiting its turn, being built, or how it ended
# (`live`: its release serves; `rolled_back`: its release failed health and the one before
# serves again).
ChangeStatus = Literal["queued", "running", "live", "rolled_back", "failed", "cancelled"]
CHANGE_FINAL_STATUSES: tuple[ChangeStatus, ...] = ("live", "rolled_back", "failed", "cancelled")

# Who asks a model: each role has its own model config (`orchestrator models set <role>`).
# The change stages ask as the role whose work they repeat (a change spec is brainstorm's).
ModelRole = Literal["brainstorm", "architect", "developer", "reviewer"]
MODEL_ROLES: tuple[ModelRole, ...] = get_args(ModelRole)
# `openai_compatible`: any endpoint speaking chat.completions (vLLM, Ollama, ...) at base_url.
ModelProvider = Literal[
    "offline", "openai", "anthropic", "google", "openrouter", "openai_compatible"
]
MODEL_PROVIDERS: tuple[ModelProvider, ...] = get_args(ModelProvider)
