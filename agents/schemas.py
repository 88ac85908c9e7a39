"""What each agent must return; invalid model output is rejected against these shapes."""

from __future__ import annotations

from pydantic import BaseModel, Field


class FeatureSpec(BaseModel):
    resource: str = Field(pattern=r"^[a-z][a-z0-9_]{1,30}$", description="URL path segment")
    description: str


class ProjectSpec(BaseModel):
    """Brainstorm's output: what to build."""

    name: str = Field(pattern=r"^[a-z][a-z0-9-]{1,40}$", description="repository-safe slug")
    title: str
    summary: str
    feature: FeatureSpec
    requirements: list[str] = Field(default_factory=list)
    open_questions: list[str] = Field(default_factory=list)


class TaskSpec(BaseModel):
    key: str = Field(pattern=r"^[a-z][a-z0-9-]{1,40}$", description="unique within the project")
    title: str
    description: str
    files: list[str] = Field(default_factory=list, description="files the task owns")


class TaskPlan(BaseModel):
    """Architect's output: independent tasks that can be developed in parallel."""

    tasks: list[TaskSpec] = Field(min_length=1, max_length=12)


class ReviewVerdict(BaseModel):
    """Reviewer's output for one pull request."""

    approved: bool
    comments: str
    breaking_change: bool = Field(
        default=False,
        description="merging changes or removes behaviour that existing clients rely on",
    )
