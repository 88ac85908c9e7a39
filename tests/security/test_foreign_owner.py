"""Host git works on a work tree the sandbox's own user owns, without `safe.directory`."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from temporalio.testing import ActivityEnvironment

from activities.workspace import checkout
from adapters.forge import git
from adapters.forge.base import RepoInfo

NOBODY = 65534


def _chown_tree(tree: Path) -> None:
    for parent, dirs, files in os.walk(tree):
        for name in (*dirs, *files):
            os.lchown(Path(parent) / name, NOBODY, NOBODY)
    os.lchown(tree, NOBODY, NOBODY)


async def _develop(root: Path, repo: RepoInfo) -> str | None:
    async with checkout(root, repo, "dev") as ws:
        await git.checkout_new_branch(ws.repo, "task/owned")
        (ws.tree / "app.py").write_text("x = 1\n")
        _chown_tree(ws.tree)  # what an unprivileged sandbox gets before it runs
        sha = await git.commit_all(ws.repo, "work")
        await git.push(ws.repo, "task/owned", remote=ws.url)
        return sha


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can hand files to another user")
async def test_commit_and_push_from_a_tree_owned_by_another_user(
    repo: RepoInfo, tmp_path: Path
) -> None:
    # The git dir is named on every command, so git's ownership check (which guards
    # repository discovery) has nothing to refuse; the git dir itself stays the host's.
    sha = await ActivityEnvironment().run(_develop, tmp_path / "ws", repo)

    assert sha is not None and sha == await git.remote_head(repo.clone_url, "task/owned")
