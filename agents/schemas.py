"""What each agent must return; invalid model output is rejected against these shapes."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, model_validator

from core.handles import SECRET_NAME

# What Zavhoz can hand out besides secrets; a port is always among them.
ResourceKind = Literal["port", "server", "domain", "database"]


class FeatureSpec(BaseModel):
    resource: str = Field(pattern=r"^[a-z][a-z0-9_]{1,30}$", description="URL path segment")
    description: str


class SecretRequirement(BaseModel):
    """A credential the service needs from its owner; the spec names it, never holds it."""

    name: str = Field(
        pattern=SECRET_NAME.pattern, description="environment variable, e.g. WEATHER_API_KEY"
    )
    purpose: str = Field(max_length=200, description="what it is for, in a few words")


class ResourceRequirement(BaseModel):
    kind: ResourceKind
    name: str = Field(default="main", pattern=r"^[a-z][a-z0-9_-]{0,30}$")
    purpose: str = Field(default="", max_length=200)


def _port_only() -> list[ResourceRequirement]:
    return [ResourceRequirement(kind="port", name="http", purpose="the service's HTTP port")]


class ProjectSpec(BaseModel):
    """Brainstorm's output: what to build."""

    name: str = Field(pattern=r"^[a-z][a-z0-9-]{1,40}$", description="repository-safe slug")
    title: str
    summary: str
    feature: FeatureSpec
    requirements: list[str] = Field(default_factory=list)
    open_questions: list[str] = Field(default_factory=list)
    # Defaults keep specs stored before these fields existed valid.
    secrets: list[SecretRequirement] = Field(
        default_factory=list, description="external credentials the service needs (names only)"
    )
    resources: list[ResourceRequirement] = Field(
        default_factory=_port_only,
        description="what to allocate: a port always; a server, domain or database only "
        "when the idea asks for one",
    )

    @model_validator(mode="after")
    def _always_a_port(self) -> ProjectSpec:
        # The deploy needs the port whatever the model listed; a model forgetting it is harmless.
        if not any(r.kind == "port" for r in self.resources):
            self.resources = [*_port_only(), *self.resources]
        # One handle per name: a model listing a secret twice must not ask the owner twice.
        self.secrets = list({s.name: s for s in self.secrets}.values())
        self.resources = list({(r.kind, r.name): r for r in self.resources}.values())
        return self


class TaskSpec(BaseModel):
    key: str = Field(pattern=r"^[a-z][a-z0-9-]{1,40}$", description="unique within the project")
    title: str
    description: str
    files: list[str] = Field(default_factory=list, description="files the task owns")


class TaskPlan(BaseModel):
    """Architect's output: independent tasks that can be developed in parallel."""

    tasks: list[TaskSpec] = Field(min_length=1, max_length=12)


class LineComment(BaseModel):
    """A remark about one line of a file the pull request changes (the new side)."""

    path: str = Field(description="the file's path in the repository, as in the diff")
    line: int = Field(ge=1, description="line number in the new version of the file")
    body: str


class ReviewVerdict(BaseModel):
    """Reviewer's output for one pull request."""

    approved: bool
    comments: str
    # Posted on the pull request next to the code; optional, so older answers stay valid.
    line_comments: list[LineComment] = Field(default_factory=list, max_length=30)
    breaking_change: bool = Field(
        default=False,
        description="merging changes or removes behaviour that existing clients rely on",
    )


class ChangeSpec(BaseModel):
    """Brainstorm's output for a change to a live project: the delta, not a whole new spec."""

    title: str = Field(max_length=120)
    summary: str
    requirements: list[str] = Field(default_factory=list, description="what the change adds")
    open_questions: list[str] = Field(default_factory=list)
    # Only credentials the live spec does not list yet; the owner is asked for their values.
    secrets: list[SecretRequirement] = Field(default_factory=list)
