"""Fresh per-activity git checkouts under the data dir."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from temporalio import activity

from adapters.forge import git
from adapters.forge.base import RepoInfo


@asynccontextmanager
async def checkout(
    root: Path, repo: RepoInfo, name: str, branch: str | None = None
) -> AsyncIterator[Path]:
    """Clone `repo` (at `branch` if given) into a directory no earlier attempt left dirty."""
    info = activity.info()
    path = root / (info.workflow_id or info.activity_id) / f"{name}-a{info.attempt}"
    shutil.rmtree(path, ignore_errors=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    await git.clone(repo.clone_url, path, branch=branch)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


async def remote_head(url: str, branch: str) -> str | None:
    """The sha `branch` points at in the repository at `url`, or None if it has no such branch."""
    out = await git.run("ls-remote", "--heads", url, f"refs/heads/{branch}")
    return out.split()[0] if out.strip() else None
