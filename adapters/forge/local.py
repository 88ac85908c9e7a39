"""The local forge: bare git repositories on disk, pull requests recorded in the database."""

from __future__ import annotations

import asyncio
import re
import tempfile
from pathlib import Path
from typing import cast

import structlog
from sqlmodel.ext.asyncio.session import AsyncSession

from adapters.forge import git
from adapters.forge import local_reviews as reviews
from adapters.forge.base import PullRequestInfo, PullRequestState, RepoInfo, Review
from adapters.forge.credentials import GitCredential
from adapters.forge.git import GitError, MergeConflict
from core.errors import InvalidInput, NotFound
from core.known_secrets import KNOWN_SECRETS
from db.engine import SessionFactory, transaction
from db.models import PullRequest
from db.repositories import pull_requests

__all__ = ["LocalForge", "MergeConflict"]

log = structlog.get_logger(__name__)

DEFAULT_BRANCH = "main"
# Owner and name become path components: no separators, no leading dot, no `..`.
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


class LocalForge:
    """Repositories live at `<root>/<owner>/<name>.git`; clone_url is that path."""

    name = "local"

    def __init__(self, *, root: Path, sessions: SessionFactory, tenant_id: str) -> None:
        self._root = root
        self._sessions = sessions
        self._tenant_id = tenant_id
        # Merges of one repository push the same branch, and new pull requests take the next
        # number: serialise both within this worker (the unique constraint guards across workers).
        self._repo_locks: dict[str, asyncio.Lock] = {}

    async def ensure_repository(self, *, owner: str, name: str, description: str) -> RepoInfo:
        bare = self._bare_path(owner, name)
        if not (bare / "HEAD").exists():
            bare.parent.mkdir(parents=True, exist_ok=True)
            await git.init_bare(bare, initial_branch=DEFAULT_BRANCH)
            log.info("forge_repository_created", repo=f"{owner}/{name}", path=str(bare))
        # Checked apart from creation so a crash between the two heals on the next call.
        if not await git.has_ref(git.Repo.bare(bare), f"refs/heads/{DEFAULT_BRANCH}"):
            await _seed_default_branch(bare, name=name, description=description)
        return self._repo_info(owner, name)

    async def open_pull_request(
        self, *, repo: RepoInfo, branch: str, title: str, body: str
    ) -> PullRequestInfo:
        bare = self._existing_bare(repo)
        if branch == repo.default_branch:
            raise InvalidInput(f"cannot open a pull request from {branch} into itself")
        head, diff = await self._head_and_diff(bare, base=repo.default_branch, branch=branch)
        async with (
            self._repo_locks.setdefault(_key(repo), asyncio.Lock()),
            transaction(self._sessions) as session,
        ):
            pr = await pull_requests.find_open_by_branch(
                session=session, repo=_key(repo), branch=branch
            )
            if pr is None:
                pr = await pull_requests.create(
                    session=session,
                    tenant_id=self._tenant_id,
                    repo=_key(repo),
                    branch=branch,
                    base=repo.default_branch,
                    title=title,
                    body=body,
                    head_sha=head,
                    diff=diff,
                )
                log.info("forge_pull_request_opened", repo=_key(repo), number=pr.number)
            else:
                self._check_tenant(pr)
                await pull_requests.update_head(session=session, pr=pr, head_sha=head, diff=diff)
            return self._pr_info(bare, pr)

    async def get_diff(self, *, repo: RepoInfo, number: int) -> str:
        bare = self._existing_bare(repo)
        pr = await self._load(repo, number)
        if pr.state != "open" or not await git.has_ref(
            git.Repo.bare(bare), f"refs/heads/{pr.branch}"
        ):
            return pr.diff
        # The branch may have moved since the PR was opened; review what would be merged.
        head, diff = await self._head_and_diff(bare, base=pr.base, branch=pr.branch)
        if head != pr.head_sha:
            async with transaction(self._sessions) as session:
                fresh = await self._load(repo, number, session=session)
                await pull_requests.update_head(session=session, pr=fresh, head_sha=head, diff=diff)
        return diff

    async def merge_pull_request(self, *, repo: RepoInfo, number: int) -> PullRequestInfo:
        bare = self._existing_bare(repo)
        async with self._repo_locks.setdefault(_key(repo), asyncio.Lock()):
            pr = await self._load(repo, number)
            if pr.state == "merged":
                return self._pr_info(bare, pr)
            if pr.state != "open":
                raise InvalidInput(f"pull request #{number} is {pr.state} and cannot be merged")
            merge_sha = await _merge(bare, pr)
            async with transaction(self._sessions) as session:
                fresh = await self._load(repo, number, session=session)
                await pull_requests.mark_merged(session=session, pr=fresh, merge_sha=merge_sha)
                log.info("forge_pull_request_merged", repo=_key(repo), number=number, sha=merge_sha)
                return self._pr_info(bare, fresh)

    async def find_repository(self, *, owner: str, name: str) -> RepoInfo | None:
        if not all(_SAFE_NAME.fullmatch(p) and ".." not in p for p in (owner, name)):
            return None  # a name no repository here can have: not found, not a path
        if not (self._bare_path(owner, name) / "HEAD").exists():
            return None
        return self._repo_info(owner, name)

    async def get_pull_request(self, *, repo: RepoInfo, number: int) -> PullRequestInfo:
        bare = self._existing_bare(repo)
        return self._pr_info(bare, await self._observed(bare, await self._load(repo, number)))

    async def list_pull_requests(self, *, repo: RepoInfo) -> list[PullRequestInfo]:
        bare = self._existing_bare(repo)
        async with self._sessions() as session:
            rows = await pull_requests.list_for_repo(session=session, repo=_key(repo))
        mine = [pr for pr in rows if pr.tenant_id == self._tenant_id]
        return [self._pr_info(bare, await self._observed(bare, pr)) for pr in mine]

    async def submit_review(self, *, repo: RepoInfo, number: int, review: Review) -> None:
        self._existing_bare(repo)
        pr = await self._load(repo, number)
        posted = await reviews.post(
            self._sessions,
            tenant_id=self._tenant_id,
            repo=_key(repo),
            number=number,
            review=review,
            head_sha=review.head_sha or pr.head_sha,
            author=f"{repo.owner}-reviewer",
        )
        if posted:
            log.info("forge_review_posted", repo=_key(repo), number=number, verdict=review.verdict)

    async def list_reviews(self, *, repo: RepoInfo, number: int) -> list[Review]:
        self._existing_bare(repo)
        await self._load(repo, number)
        return await reviews.list_for(self._sessions, repo=_key(repo), number=number)

    async def close_pull_request(self, *, repo: RepoInfo, number: int) -> PullRequestInfo:
        bare = self._existing_bare(repo)
        async with self._repo_locks.setdefault(_key(repo), asyncio.Lock()):
            pr = await self._observed(bare, await self._load(repo, number))
            if pr.state == "open":
                async with transaction(self._sessions) as session:
                    pr = await self._load(repo, number, session=session)
                    await pull_requests.mark_closed(session=session, pr=pr)
                log.info("forge_pull_request_closed", repo=_key(repo), number=number)
            return self._pr_info(bare, pr)

    async def _observed(self, bare: Path, pr: PullRequest) -> PullRequest:
        """The row brought up to what the bare repository shows: a person may have merged
        the branch into the base with plain git, or deleted the branch (closing it)."""
        if pr.state != "open":
            return pr
        found = await observed_state(bare, pr)
        if found is None:
            return pr
        state, merge_sha = found
        async with transaction(self._sessions) as session:
            fresh = await pull_requests.get(session=session, repo=pr.repo, number=pr.number)
            assert fresh is not None  # rows are never deleted
            if fresh.state == "open" and state == "merged":
                await pull_requests.mark_merged(session=session, pr=fresh, merge_sha=merge_sha)
            elif fresh.state == "open":
                await pull_requests.mark_closed(session=session, pr=fresh)
            log.info("forge_pull_request_observed", repo=pr.repo, number=pr.number, state=state)
            return fresh

    async def git_credential(self, repo: RepoInfo) -> GitCredential | None:
        return None  # clone_url is a path on this host

    def _bare_path(self, owner: str, name: str) -> Path:
        for part in (owner, name):
            if not _SAFE_NAME.fullmatch(part) or ".." in part:
                raise InvalidInput(f"invalid repository owner or name: {part!r}")
        return self._root / owner / f"{name}.git"

    def _existing_bare(self, repo: RepoInfo) -> Path:
        bare = self._bare_path(repo.owner, repo.name)
        if not (bare / "HEAD").exists():
            raise NotFound(f"repository {_key(repo)} does not exist")
        return bare

    def _repo_info(self, owner: str, name: str) -> RepoInfo:
        bare = self._bare_path(owner, name)
        return RepoInfo(
            owner=owner,
            name=name,
            clone_url=str(bare),
            web_url=bare.as_uri(),
            default_branch=DEFAULT_BRANCH,
        )

    async def _head_and_diff(self, bare: Path, *, base: str, branch: str) -> tuple[str, str]:
        repo = git.Repo.bare(bare)
        if not await git.has_ref(repo, f"refs/heads/{branch}"):
            raise NotFound(f"branch {branch} has not been pushed to {bare.name}")
        head = await git.rev_parse(repo, f"refs/heads/{branch}")
        # The copy in the database is for reading (CLI, API, a model): no known value in it.
        # The branch keeps the truth, and the reviewer scans that (activities/reviewer.py).
        return head, KNOWN_SECRETS.replace(await git.diff(repo, f"refs/heads/{base}", head))

    async def _load(
        self, repo: RepoInfo, number: int, *, session: AsyncSession | None = None
    ) -> PullRequest:
        if session is None:
            async with self._sessions() as own:
                pr = await pull_requests.get(session=own, repo=_key(repo), number=number)
        else:
            pr = await pull_requests.get(session=session, repo=_key(repo), number=number)
        if pr is None or pr.tenant_id != self._tenant_id:
            raise NotFound(f"pull request #{number} of {_key(repo)} does not exist")
        return pr

    def _check_tenant(self, pr: PullRequest) -> None:
        if pr.tenant_id != self._tenant_id:
            raise NotFound(f"pull request #{pr.number} of {pr.repo} does not exist")

    @staticmethod
    def _pr_info(bare: Path, pr: PullRequest) -> PullRequestInfo:
        return PullRequestInfo(
            number=pr.number,
            branch=pr.branch,
            title=pr.title,
            state=cast(PullRequestState, pr.state),  # the table stores one of the three
            url=f"{bare.as_uri()}#pr-{pr.number}",
            head_sha=pr.head_sha,
            merge_sha=pr.merge_sha,
        )


def _key(repo: RepoInfo) -> str:
    return f"{repo.owner}/{repo.name}"


async def _seed_default_branch(bare: Path, *, name: str, description: str) -> None:
    # An initial commit gives every task branch a common base, so `main...branch` diffs
    # and merges work from the first pull request on (like GitHub's auto_init).
    with tempfile.TemporaryDirectory(prefix="forge-seed-") as tmp:
        work = Path(tmp)
        seed = await git.init(work, initial_branch=DEFAULT_BRANCH)
        (work / "README.md").write_text(f"# {name}\n\n{description}\n", encoding="utf-8")
        await git.commit_all(seed, "Initial commit")
        await git.push(seed, DEFAULT_BRANCH, remote=str(bare))


async def _merge(bare: Path, pr: PullRequest) -> str:
    """Merge the reviewed head of `pr` into its base in a scratch clone and push the base.

    The branch's content is an agent's, but nothing in it is git configuration: a
    `.gitattributes` can name filter, diff or merge drivers, and the scratch clone's
    config (written by this host's `git clone`) defines none, so none runs.
    """
    base_ref = f"refs/heads/{pr.base}"
    if await git.is_ancestor(git.Repo.bare(bare), pr.head_sha, base_ref):
        # An earlier attempt pushed the merge but died before recording it.
        return await _recorded_merge(bare, pr.head_sha, base_ref)
    with tempfile.TemporaryDirectory(prefix="forge-merge-") as tmp:
        work = Path(tmp) / "repo"
        scratch = await git.clone(str(bare), work, branch=pr.base)
        message = f"Merge pull request #{pr.number} from {pr.branch}\n\n{pr.title}"
        try:
            merge_sha = await git.merge_no_ff(scratch, pr.head_sha, message=message)
        except MergeConflict as exc:
            raise MergeConflict(
                f"pull request #{pr.number} ({pr.branch}) conflicts with {pr.base} in "
                f"{', '.join(exc.files)}; rebase the branch and push again",
                files=exc.files,
            ) from exc
        await git.push(scratch, pr.base, remote=str(bare))
    return merge_sha


async def observed_state(bare: Path, pr: PullRequest) -> tuple[PullRequestState, str] | None:
    """("merged", sha) when the base holds the branch's tip, ("closed", "") when the branch
    is gone unmerged, None when the pull request is still open as far as git can tell."""
    repo = git.Repo.bare(bare)
    branch_ref, base_ref = f"refs/heads/{pr.branch}", f"refs/heads/{pr.base}"
    tip = await git.rev_parse(repo, branch_ref) if await git.has_ref(repo, branch_ref) else None
    try:
        merged = await git.is_ancestor(repo, tip or pr.head_sha, base_ref)
    except GitError:  # the recorded head is gone from the repository: not in the base either
        merged = False
    if merged:
        return "merged", await _recorded_merge(bare, tip or pr.head_sha, base_ref)
    return ("closed", "") if tip is None else None


async def _recorded_merge(bare: Path, head: str, base_ref: str) -> str:
    repo = git.Repo.bare(bare)
    merges = await git.run(
        "rev-list", "--ancestry-path", "--merges", "--reverse", f"{head}..{base_ref}", repo=repo
    )
    first = merges.split()
    return first[0] if first else await git.rev_parse(repo, base_ref)
