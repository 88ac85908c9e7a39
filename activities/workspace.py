"""Fresh per-activity git checkouts under the data dir, laid out so a sandbox sees only files.

    <workspaces>/<workflow>/<name>-a<attempt>/tree   the work tree: the sandbox's /workspace
    <workspaces>/<workflow>/<name>-a<attempt>/git    its git dir: host-only, never mounted

Host git afterwards runs against `git/` by name (adapters/forge/git.py explains why), so
nothing a sandboxed command writes (a `.git/config`, hooks, `.gitattributes`) can make
the host run a program.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from temporalio import activity

from adapters.forge import git
from adapters.forge.base import Forge, RepoInfo
from adapters.forge.credentials import GitCredential

CredentialSource = Callable[[], Awaitable[GitCredential | None]]


async def _no_credential() -> GitCredential | None:
    return None


@dataclass(frozen=True)
class Workspace:
    tree: Path  # the only part to hand to a sandbox or an agent
    repo: git.Repo  # that tree with its host-owned git dir
    url: str  # where it was cloned from; pushes go there by URL, never by a remote's name
    # Asked again before every push: a coding session can outlive a one-hour token.
    credential: CredentialSource = _no_credential

    async def push(self, branch: str, *, force: bool = False) -> None:
        credential = await self.credential()
        await git.push(self.repo, branch, remote=self.url, force=force, credential=credential)


@asynccontextmanager
async def checkout(
    root: Path, repo: RepoInfo, name: str, branch: str | None = None, *, forge: Forge | None = None
) -> AsyncIterator[Workspace]:
    """Clone `repo` (at `branch` if given) into a directory no earlier attempt left dirty.

    `forge` supplies git's credentials for its HTTPS clone URLs (none for a local path)."""
    info = activity.info()
    base = root / (info.workflow_id or info.activity_id) / f"{name}-a{info.attempt}"
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    credential: CredentialSource = _no_credential
    if forge is not None:
        credential = partial(forge.git_credential, repo)
    cloned = await git.clone(
        repo.clone_url,
        base / "tree",
        git_dir=base / "git",
        branch=branch,
        credential=await credential(),
    )
    try:
        yield Workspace(tree=base / "tree", repo=cloned, url=repo.clone_url, credential=credential)
    finally:
        shutil.rmtree(base, ignore_errors=True)
