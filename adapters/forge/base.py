"""The forge interface: repositories and pull requests (local bare git or GitHub)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

PullRequestState = Literal["open", "merged", "closed"]


@dataclass(frozen=True)
class RepoInfo:
    owner: str
    name: str
    clone_url: str  # what `git clone` / `git push` accept (a path or an authenticated URL)
    web_url: str  # what a person opens; never carries a token
    default_branch: str = "main"


@dataclass(frozen=True)
class PullRequestInfo:
    number: int
    branch: str
    title: str
    state: PullRequestState
    url: str
    head_sha: str
    merge_sha: str | None = None


class Forge(Protocol):
    name: str

    async def ensure_repository(self, *, owner: str, name: str, description: str) -> RepoInfo:
        """Create the repository, or return it if it already exists (idempotent)."""
        ...

    async def open_pull_request(
        self, *, repo: RepoInfo, branch: str, title: str, body: str
    ) -> PullRequestInfo:
        """Open a PR from `branch` into the default branch; return the open one if it exists."""
        ...

    async def get_diff(self, *, repo: RepoInfo, number: int) -> str: ...

    async def merge_pull_request(self, *, repo: RepoInfo, number: int) -> PullRequestInfo:
        """Merge into the default branch; a PR already merged is returned as is (idempotent)."""
        ...
