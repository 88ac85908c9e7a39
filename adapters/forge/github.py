"""The GitHub forge: repositories, pull requests and reviews through PyGithub (sync, in threads).

Repositories are created where the App is installed (or under the token's user), private,
with an initial commit, and their default branch protected against force pushes and
deletion. Git itself reaches clone_url with a short-lived token through a pipe
(adapters/forge/credentials.py); clone_url never carries one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

import structlog
from github import Github, GithubException
from github.PullRequest import PullRequest
from github.Repository import Repository
from requests import RequestException

from adapters.forge import github_reviews as reviews
from adapters.forge.base import PullRequestInfo, RepoInfo, Review
from adapters.forge.credentials import GitCredential
from adapters.forge.github_auth import LiveToken, TokenSource, client_kwargs
from adapters.forge.github_errors import translate
from core.errors import InvalidInput, ServiceUnavailable
from core.known_secrets import KNOWN_SECRETS

log = structlog.get_logger(__name__)
T = TypeVar("T")
DIFF = {"Accept": "application/vnd.github.diff"}


class GitHubForge:
    name = "github"

    def __init__(self, *, source: TokenSource, base_url: str, merge_method: str = "merge") -> None:
        self._source, self._base_url = source, base_url
        # The account's client finds the account and creates repositories; everything on a
        # repository goes through a client whose token is scoped to that repository.
        self._account_gh = Github(auth=LiveToken(source), **client_kwargs(base_url))  # type: ignore[arg-type]
        self._scoped: dict[str, tuple[Github, Github]] = {}
        self._merge_method = merge_method
        self._ready: dict[str, RepoInfo] = {}  # created and protected, by name, this process
        self._self_review_refused = False

    def _clients(self, name: str) -> tuple[Github, Github]:
        """(eager, lazy) clients acting with a token scoped to repository `name`."""
        if name not in self._scoped:
            auth = LiveToken(self._source, name)
            eager = Github(auth=auth, **client_kwargs(self._base_url))  # type: ignore[arg-type]
            # Objects by URL without a round trip, when the next call fetches what it needs.
            lazy = Github(auth=auth, lazy=True, **client_kwargs(self._base_url))  # type: ignore[arg-type]
            self._scoped[name] = (eager, lazy)
        return self._scoped[name]

    def _gh(self, repo: RepoInfo) -> Github:
        return self._clients(repo.name)[0]

    def _lazy(self, repo: RepoInfo) -> Github:
        return self._clients(repo.name)[1]

    async def _call(self, what: str, fn: Callable[[], T]) -> T:
        def guarded() -> T:
            try:
                return fn()
            except GithubException as exc:
                raise translate(exc, what) from None
            except RequestException as exc:
                raise ServiceUnavailable(
                    f"GitHub unreachable for {what}: {type(exc).__name__}"
                ) from None

        return await asyncio.to_thread(guarded)

    # --- repositories -----------------------------------------------------------------------
    async def ensure_repository(self, *, owner: str, name: str, description: str) -> RepoInfo:
        if name in self._ready:
            return self._ready[name]
        info = await self._call(
            f"create repository {name}", lambda: self._ensure(name, description)
        )
        self._ready[name] = info
        return info

    def _ensure(self, name: str, description: str) -> RepoInfo:
        account = self._source.account()
        gh = self._account_gh
        try:
            repo = gh.get_repo(f"{account.login}/{name}")
        except GithubException as exc:
            if exc.status != 404:
                raise
            creator: Any = gh.get_organization(account.login) if account.is_org else gh.get_user()
            try:
                repo = creator.create_repo(
                    name, description=description, private=True, auto_init=True
                )
                log.info("forge_repository_created", repo=repo.full_name)
            except GithubException as race:
                if race.status != 422:
                    raise
                repo = gh.get_repo(f"{account.login}/{name}")  # another worker made it
        info = _repo_info(repo)
        self._protect(info)
        return info

    def _protect(self, info: RepoInfo) -> None:
        # GitHub's protection defaults forbid force pushes and deleting the branch; reviews
        # are not required, since the factory's own reviewer cannot approve its own PRs.
        branch = self._lazy(info).get_repo(_key(info)).get_branch(info.default_branch)
        if not branch.protected:
            branch.edit_protection(
                enforce_admins=False, allow_force_pushes=False, allow_deletions=False
            )

    async def find_repository(self, *, owner: str, name: str) -> RepoInfo | None:
        def find() -> RepoInfo | None:
            logins = dict.fromkeys([self._source.account().login, owner])
            for login in logins:
                try:
                    return _repo_info(self._account_gh.get_repo(f"{login}/{name}"))
                except GithubException as exc:
                    if exc.status != 404:
                        raise
            return None

        return await self._call(f"find repository {name}", find)

    async def git_credential(self, repo: RepoInfo) -> GitCredential | None:
        token = await self._call(f"a token for {_key(repo)}", lambda: self._source.token(repo.name))
        return GitCredential("x-access-token", token)

    # --- pull requests ----------------------------------------------------------------------
    def _pull(self, repo: RepoInfo, number: int) -> PullRequest:
        return self._lazy(repo).get_repo(_key(repo)).get_pull(number)

    async def open_pull_request(
        self, *, repo: RepoInfo, branch: str, title: str, body: str
    ) -> PullRequestInfo:
        if branch == repo.default_branch:
            raise InvalidInput(f"cannot open a pull request from {branch} into itself")

        def open_() -> PullRequestInfo:
            gh_repo = self._lazy(repo).get_repo(_key(repo))
            for pr in gh_repo.get_pulls(state="open", head=f"{repo.owner}:{branch}"):
                return _pr_info(pr)
            try:
                pr = gh_repo.create_pull(
                    base=repo.default_branch, head=branch, title=title, body=body
                )
            except GithubException as exc:
                if exc.status != 422:
                    raise
                for pr in gh_repo.get_pulls(state="open", head=f"{repo.owner}:{branch}"):
                    return _pr_info(pr)  # opened by a racing attempt
                gh_repo.get_branch(branch)  # 404 when it was never pushed
                raise
            log.info("forge_pull_request_opened", repo=_key(repo), number=pr.number)
            return _pr_info(pr)

        return await self._call(f"open a pull request from {branch} in {_key(repo)}", open_)

    async def get_pull_request(self, *, repo: RepoInfo, number: int) -> PullRequestInfo:
        return await self._call(
            f"read {_key(repo)}#{number}", lambda: _pr_info(self._pull(repo, number))
        )

    async def list_pull_requests(self, *, repo: RepoInfo) -> list[PullRequestInfo]:
        def list_() -> list[PullRequestInfo]:
            pulls = self._lazy(repo).get_repo(_key(repo)).get_pulls(state="all")
            return sorted((_pr_info(p) for p in pulls), key=lambda p: p.number)

        return await self._call(f"list pull requests of {_key(repo)}", list_)

    async def get_diff(self, *, repo: RepoInfo, number: int) -> str:
        return KNOWN_SECRETS.replace(
            await self._call(
                f"read the diff of {_key(repo)}#{number}", lambda: self._diff(repo, number)
            )
        )

    def _diff(self, repo: RepoInfo, number: int) -> str:
        url = f"/repos/{_key(repo)}/pulls/{number}"
        requester = self._gh(repo).requester
        status, headers, body = requester.requestJson("GET", url, headers=DIFF)
        if status >= 400:
            raise requester.createException(status, headers, _json_or_empty(body))
        return body

    async def merge_pull_request(self, *, repo: RepoInfo, number: int) -> PullRequestInfo:
        def merge() -> PullRequestInfo:
            pr = self._pull(repo, number)
            if pr.merged:
                return _pr_info(pr)
            if pr.state != "open":
                raise InvalidInput(f"pull request #{number} is {pr.state} and cannot be merged")
            try:
                pr.merge(
                    merge_method=self._merge_method,
                    sha=pr.head.sha,  # what was reviewed, not a push that came after
                    commit_title=f"Merge pull request #{number} from {pr.head.ref}",
                    commit_message=pr.title,
                )
            except GithubException as exc:
                again = self._pull(repo, number)
                if exc.status == 405 and again.merged:
                    return _pr_info(again)  # an earlier attempt merged it
                raise
            log.info("forge_pull_request_merged", repo=_key(repo), number=number)
            return _pr_info(self._pull(repo, number))

        return await self._call(f"merge {_key(repo)}#{number}", merge)

    async def close_pull_request(self, *, repo: RepoInfo, number: int) -> PullRequestInfo:
        def close() -> PullRequestInfo:
            pr = self._pull(repo, number)
            if pr.state == "open":
                pr.edit(state="closed")
                pr = self._pull(repo, number)
            return _pr_info(pr)

        return await self._call(f"close {_key(repo)}#{number}", close)

    # --- reviews ----------------------------------------------------------------------------
    async def submit_review(self, *, repo: RepoInfo, number: int, review: Review) -> None:
        await self._call(
            f"review {_key(repo)}#{number}", lambda: self._submit(repo, number, review)
        )

    def _submit(self, repo: RepoInfo, number: int, review: Review) -> None:
        pr = self._pull(repo, number)
        head = review.head_sha or pr.head.sha
        for posted in reviews.read(pr):
            if posted.head_sha == head and posted.verdict == review.verdict:
                return  # posted by an earlier attempt
        patch = self._diff(repo, number)
        payload = reviews.payload(review, head=head, patch=patch)
        url = f"{pr.url}/reviews"
        if self._self_review_refused:
            payload = reviews.as_comment(payload)
        requester = self._gh(repo).requester
        try:
            requester.requestJsonAndCheck("POST", url, input=payload)
        except GithubException as exc:
            if not reviews.is_own_pull_request_refusal(exc):
                raise
            # GitHub lets nobody approve or block their own pull request, and the factory
            # opened it: the verdict goes into a comment review (read back from its marker).
            self._self_review_refused = True
            requester.requestJsonAndCheck("POST", url, input=reviews.as_comment(payload))

    async def list_reviews(self, *, repo: RepoInfo, number: int) -> list[Review]:
        return await self._call(
            f"read the reviews of {_key(repo)}#{number}",
            lambda: reviews.read(self._pull(repo, number)),
        )


def _key(repo: RepoInfo) -> str:
    return f"{repo.owner}/{repo.name}"


def _json_or_empty(body: str) -> dict[str, Any]:
    import json

    try:
        data = json.loads(body)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _repo_info(repo: Repository) -> RepoInfo:
    return RepoInfo(
        owner=repo.owner.login,
        name=repo.name,
        clone_url=repo.clone_url,
        web_url=repo.html_url,
        default_branch=repo.default_branch,
    )


def _pr_info(pr: PullRequest) -> PullRequestInfo:
    return PullRequestInfo(
        number=pr.number,
        branch=pr.head.ref,
        title=pr.title,
        state="merged" if pr.merged else ("open" if pr.state == "open" else "closed"),
        url=pr.html_url,
        head_sha=pr.head.sha,
        merge_sha=pr.merge_commit_sha if pr.merged else None,
    )
