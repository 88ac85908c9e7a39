"""The forge interface: repositories and pull requests (local bare git or GitHub)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from adapters.forge.credentials import GitCredential

PullRequestState = Literal["open", "merged", "closed"]
# What a review does to a pull request, in GitHub's words (APPROVE, REQUEST_CHANGES, COMMENT).
ReviewVerdict = Literal["approve", "request_changes", "comment"]


@dataclass(frozen=True)
class RepoInfo:
    owner: str
    name: str
    # What `git clone` / `git push` accept: a path, or an HTTPS URL that never carries a
    # token (git gets one from Forge.git_credential through a pipe, at the last moment).
    clone_url: str
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


@dataclass(frozen=True)
class ReviewComment:
    """A comment on one line of a file in the pull request's diff (the new side)."""

    path: str
    line: int
    body: str


@dataclass(frozen=True)
class Review:
    verdict: ReviewVerdict
    body: str
    comments: tuple[ReviewComment, ...] = ()
    author: str = ""  # filled in when read back; who posts is the forge's own identity
    head_sha: str = ""  # the commit the review is about (a newer push makes it stale)


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

    async def find_repository(self, *, owner: str, name: str) -> RepoInfo | None:
        """The repository if it exists on the forge, else None (never creates one)."""
        ...

    async def get_pull_request(self, *, repo: RepoInfo, number: int) -> PullRequestInfo:
        """The pull request as the forge sees it now (merged or closed by a person included)."""
        ...

    async def list_pull_requests(self, *, repo: RepoInfo) -> list[PullRequestInfo]:
        """Every pull request of the repository, whatever its state."""
        ...

    async def submit_review(self, *, repo: RepoInfo, number: int, review: Review) -> None:
        """Post the review where people look; idempotent per (number, head_sha, verdict)."""
        ...

    async def list_reviews(self, *, repo: RepoInfo, number: int) -> list[Review]:
        """The reviews of a pull request, oldest first, with their line comments."""
        ...

    async def close_pull_request(self, *, repo: RepoInfo, number: int) -> PullRequestInfo:
        """Close without merging; a closed or merged one is returned as is (idempotent)."""
        ...

    async def git_credential(self, repo: RepoInfo) -> GitCredential | None:
        """What git must present to clone_url now (None: nothing, e.g. a local path).

        Asked right before each git command that talks to the forge: tokens are short-lived."""
        ...
