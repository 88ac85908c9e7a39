"""Tables. Every row that belongs to someone carries its tenant."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, DateTime, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


def _timestamp() -> Any:
    return Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


def new_id() -> str:
    return uuid.uuid4().hex[:12]


class Tenant(SQLModel, table=True):
    __tablename__ = "tenants"

    id: str = Field(primary_key=True, max_length=64)
    name: str
    created_at: datetime = _timestamp()


class User(SQLModel, table=True):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("tenant_id", "handle"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=64)
    handle: str = Field(max_length=128)
    telegram_id: int | None = Field(default=None, index=True)
    created_at: datetime = _timestamp()


class Project(SQLModel, table=True):
    __tablename__ = "projects"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=64)
    owner_id: str | None = Field(default=None, foreign_key="users.id", max_length=64)
    name: str = Field(max_length=128)
    idea: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default="queued", index=True, max_length=32)
    stage: str = Field(default="queued", max_length=32)
    spec: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    repository_url: str | None = None
    live_url: str | None = None
    config: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    stages: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    error: str | None = Field(default=None, sa_column=Column(Text))
    workflow_id: str | None = None
    created_at: datetime = _timestamp()
    updated_at: datetime = _timestamp()


class Task(SQLModel, table=True):
    __tablename__ = "tasks"
    __table_args__ = (UniqueConstraint("project_id", "key"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=64)
    project_id: str = Field(foreign_key="projects.id", index=True, max_length=64)
    key: str = Field(max_length=64)
    title: str
    description: str = Field(default="", sa_column=Column(Text))
    files: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    status: str = Field(default="pending", max_length=32)
    branch: str | None = None
    pr_number: int | None = None
    rounds: int = 0
    summary: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = _timestamp()
    updated_at: datetime = _timestamp()


class PullRequest(SQLModel, table=True):
    """A pull request of the local forge (GitHub keeps its own)."""

    __tablename__ = "pull_requests"
    __table_args__ = (UniqueConstraint("repo", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(index=True, max_length=64)
    repo: str = Field(index=True, max_length=256)  # owner/name
    number: int
    branch: str = Field(max_length=256)
    base: str = Field(default="main", max_length=256)
    title: str
    body: str = Field(default="", sa_column=Column(Text))
    state: str = Field(default="open", max_length=16)
    head_sha: str = Field(max_length=64)
    merge_sha: str | None = Field(default=None, max_length=64)
    diff: str = Field(default="", sa_column=Column(Text))
    created_at: datetime = _timestamp()
    updated_at: datetime = _timestamp()


class ForgeReview(SQLModel, table=True):
    """A review posted on a pull request of the local forge (GitHub keeps its own).

    One row per (pull request, head commit, verdict): a retried reviewer posts it once."""

    __tablename__ = "forge_reviews"
    __table_args__ = (UniqueConstraint("repo", "number", "head_sha", "verdict"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(index=True, max_length=64)
    repo: str = Field(index=True, max_length=256)  # owner/name
    number: int
    verdict: str = Field(max_length=32)  # approve | request_changes | comment
    body: str = Field(default="", sa_column=Column(Text))
    # [{"path": ..., "line": ..., "body": ...}]: read only together with their review.
    comments: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    author: str = Field(default="", max_length=128)
    head_sha: str = Field(default="", max_length=64)
    created_at: datetime = _timestamp()


class Resource(SQLModel, table=True):
    """A handle Zavhoz gave out; `value` is never a raw secret (secrets are `secret://` refs)."""

    __tablename__ = "resources"
    __table_args__ = (UniqueConstraint("kind", "value"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=64)
    project_id: str | None = Field(default=None, foreign_key="projects.id", index=True)
    kind: str = Field(max_length=32)  # port | server | secret | domain
    name: str = Field(max_length=128)
    value: str = Field(max_length=512)
    created_at: datetime = _timestamp()


class Deployment(SQLModel, table=True):
    """One release of a project: deployed, rolled back or failed."""

    __tablename__ = "deployments"
    __table_args__ = (UniqueConstraint("project_id", "release_id"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=64)
    project_id: str = Field(foreign_key="projects.id", index=True, max_length=64)
    release_id: str = Field(max_length=128)
    commit: str = Field(max_length=64)
    status: str = Field(max_length=32)  # healthy | rolled_back | failed: its health result
    url: str = ""
    previous_release_id: str | None = None
    message: str = Field(default="", sa_column=Column(Text))
    created_at: datetime = _timestamp()
    # 1, 2, 3… per project in the order releases were recorded: what people type (`--to 1`).
    # The release_id stays the workflow's own key (its directory on the host, its retry key).
    number: int | None = Field(default=None, index=True)
    requested_by: str = Field(default="", max_length=128)
    # At most one row per project serves: live (answering) or stopped (`orchestrator stop`).
    serving: str = Field(default="", max_length=16)
    # Consecutive failed checks of health_checker; back to 0 on the first answer.
    failed_checks: int = 0


class Change(SQLModel, table=True):
    """A change request to a live project: its text, who asked, how far it got, its release."""

    __tablename__ = "changes"
    __table_args__ = (UniqueConstraint("project_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=64)
    project_id: str = Field(foreign_key="projects.id", index=True, max_length=64)
    number: int  # 1, 2, ... per project: the order changes run in
    text: str = Field(sa_column=Column(Text, nullable=False))
    requested_by: str = Field(default="", max_length=128)
    # queued | running | live | rolled_back | failed | cancelled
    status: str = Field(default="queued", index=True, max_length=32)
    stage: str = Field(default="queued", max_length=32)
    stages: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    spec_delta: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    release_id: str | None = Field(default=None, max_length=128)
    message: str = Field(default="", sa_column=Column(Text))
    workflow_id: str = Field(default="", max_length=128)
    created_at: datetime = _timestamp()
    updated_at: datetime = _timestamp()


class Event(SQLModel, table=True):
    """Append-only record of what happened; payload is JSON-safe by construction."""

    __tablename__ = "events"

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(index=True, max_length=64)
    project_id: str | None = Field(default=None, index=True, max_length=64)
    kind: str = Field(max_length=64)
    message: str = Field(default="", sa_column=Column(Text))
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    # Set by activities: a retried attempt that writes the same event again finds it here.
    once_key: str | None = Field(default=None, max_length=200, unique=True, index=True)
    created_at: datetime = _timestamp()


class InboxEntry(SQLModel, table=True):
    """A question, approval or escalation a workflow is waiting on (mirror of its state)."""

    __tablename__ = "inbox"

    id: str = Field(primary_key=True, max_length=64)  # the workflow's item id
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=64)
    project_id: str = Field(foreign_key="projects.id", index=True, max_length=64)
    kind: str = Field(max_length=16)  # question | approval | escalation
    stage: str = Field(max_length=32)
    prompt: str = Field(sa_column=Column(Text, nullable=False))
    context: str = Field(default="", sa_column=Column(Text))
    options: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    task_key: str | None = None
    status: str = Field(default="open", index=True, max_length=16)  # open | answered | expired
    choice: str = Field(default="", max_length=32)
    answer: str = Field(default="", sa_column=Column(Text))
    answered_by: str = Field(default="", max_length=128)
    reminders: int = 0
    created_at: datetime = _timestamp()
    updated_at: datetime = _timestamp()
    # The workflow that asked, when it is not the project's own (an incident of a live
    # service): answers go there.
    workflow_id: str | None = Field(default=None, max_length=200)


class LLMUsage(SQLModel, table=True):
    __tablename__ = "llm_usage"

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(index=True, max_length=64)
    project_id: str | None = Field(default=None, index=True, max_length=64)
    agent: str = Field(max_length=32)
    model: str = Field(max_length=128)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    # Priced when recorded (core/model_prices.py): a later price change leaves it as spent.
    cost_usd: float = 0.0
    created_at: datetime = _timestamp()
    # Run, activity, attempt, agent and the call's place: an attempt that records its calls
    # again (on its way out after a failure) counts them once; a new attempt's are new calls.
    once_key: str | None = Field(default=None, max_length=240, unique=True, index=True)


class Budget(SQLModel, table=True):
    """A spending limit in US$ on model calls: a project's, or its tenant's (`project_id` "")."""

    __tablename__ = "budgets"

    tenant_id: str = Field(foreign_key="tenants.id", primary_key=True, max_length=64)
    project_id: str = Field(default="", primary_key=True, max_length=64)
    limit_usd: float
    set_by: str = Field(default="", max_length=128)
    updated_at: datetime = _timestamp()


# --- Telegram: who may talk to the bot, which chat follows which project, what was sent ------


class TelegramInvite(SQLModel, table=True):
    """A one-time code an admin hands out; redeeming it puts a Telegram user in a tenant."""

    __tablename__ = "telegram_invites"

    code: str = Field(primary_key=True, max_length=64)
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=64)
    created_by: int = Field(sa_type=BigInteger)
    used_by: int | None = Field(default=None, sa_type=BigInteger)
    expires_at: datetime = Field(sa_type=DateTime(timezone=True))
    created_at: datetime = _timestamp()


class TelegramChat(SQLModel, table=True):
    """The chat a project reports to, and the one status message edited as it moves."""

    __tablename__ = "telegram_chats"

    project_id: str = Field(foreign_key="projects.id", primary_key=True, max_length=64)
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=64)
    chat_id: int = Field(sa_type=BigInteger, index=True)
    status_message_id: int | None = Field(default=None, sa_type=BigInteger)
    status_text: str = Field(default="", sa_column=Column(Text))
    created_at: datetime = _timestamp()


class TelegramUpdate(SQLModel, table=True):
    """Update ids already handled: Telegram redelivers after a restart; we answer once."""

    __tablename__ = "telegram_updates"

    update_id: int = Field(sa_type=BigInteger, primary_key=True)
    created_at: datetime = _timestamp()


class TelegramOutbox(SQLModel, table=True):
    """A message for a chat, kept until Telegram took it: an outage delays, never loses."""

    __tablename__ = "telegram_outbox"

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(index=True, max_length=64)
    project_id: str | None = Field(default=None, index=True, max_length=64)
    chat_id: int = Field(sa_type=BigInteger, index=True)
    text: str = Field(sa_column=Column(Text, nullable=False))  # HTML, at most 4096 characters
    markup: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    item_id: str | None = Field(default=None, max_length=64)  # a reply to it answers the item
    once_key: str = Field(max_length=240, unique=True)  # activity attempt-independent
    message_id: int | None = Field(default=None, sa_type=BigInteger)
    sent: bool = Field(default=False, index=True)
    created_at: datetime = _timestamp()


class TelegramPrompt(SQLModel, table=True):
    """A message the bot sent that asks for a reply: replying to it answers `item_id`."""

    __tablename__ = "telegram_prompts"

    chat_id: int = Field(sa_type=BigInteger, primary_key=True)
    message_id: int = Field(sa_type=BigInteger, primary_key=True)
    item_id: str = Field(max_length=64)
    choice: str = Field(default="", max_length=32)  # reject / instruct wait for their text
    created_at: datetime = _timestamp()


class Server(SQLModel, table=True):
    """A host deploys go to over SSH; its key is a secret handle, never a value.

    The status columns are what the last check (`server_sync` or `servers add`) saw.
    """

    __tablename__ = "servers"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=64)
    name: str = Field(max_length=64)
    host: str = Field(max_length=255)
    port: int = 22
    user: str = Field(default="root", max_length=64)
    key_handle: str = Field(max_length=200)  # secret://_/SSH_KEY_<NAME>
    status: str = Field(default="unknown", max_length=16)  # ServerStatus
    free_disk_mb: int | None = None
    free_memory_mb: int | None = None
    message: str = Field(default="", sa_column=Column(Text))
    checked_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    created_at: datetime = _timestamp()


class ModelConfigRow(SQLModel, table=True):
    """A role's model config set by a person; a role without a row uses the LLM_* settings.

    The API key is a secret handle, never a value (core/model_configs.py).
    """

    __tablename__ = "model_configs"
    __table_args__ = (UniqueConstraint("tenant_id", "role"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=64)
    role: str = Field(max_length=32)  # ModelRole
    provider: str = Field(max_length=32)  # ModelProvider
    model: str = Field(max_length=128)
    base_url: str = Field(default="", max_length=500)
    api_key_handle: str = Field(default="", max_length=200)
    temperature: float | None = None
    max_tokens: int | None = None
    prompt_version: str = Field(default="v1", max_length=32)
    updated_at: datetime = _timestamp()
