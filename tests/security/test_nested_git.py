"""A repository an agent makes inside its work tree is not smuggled in as a gitlink."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from temporalio.testing import ActivityEnvironment

from activities.workspace import checkout
from adapters.forge import git
from adapters.forge.base import RepoInfo

BRANCH = "task/nested"


async def _develop(root: Path, repo: RepoInfo) -> None:
    async with checkout(root, repo, "dev") as ws:
        await git.checkout_new_branch(ws.repo, BRANCH)
        lib = ws.tree / "vendor" / "lib"
        lib.mkdir(parents=True)
        (lib / "lib.py").write_text("X = 1\n")
        # A real nested repository with a commit (what `git add` would record as a gitlink),
        # a `.git` file pointing elsewhere, and a `.git` symlink to the host's own git dir.
        subprocess.run(["git", "init", "-q", str(lib)], check=True)
        (ws.tree / ".git").write_text("gitdir: /somewhere/else\n")
        (ws.tree / "docs").mkdir()
        os.symlink(ws.repo.git_dir, ws.tree / "docs" / ".git")
        (ws.tree / "docs" / "a.md").write_text("# a\n")
        assert await git.commit_all(ws.repo, "work") is not None
        await git.push(ws.repo, BRANCH, remote=ws.url)
        assert ws.repo.git_dir.is_dir()  # the host's git dir survived the clean-up


async def test_nested_git_dirs_are_removed_and_their_files_committed(
    repo: RepoInfo, tmp_path: Path
) -> None:
    await ActivityEnvironment().run(_develop, tmp_path / "ws", repo)

    bare = git.Repo.bare(Path(repo.clone_url))
    listing = await git.run("ls-tree", "-r", f"refs/heads/{BRANCH}", repo=bare)
    entries = {line.split("\t")[1]: line.split()[0] for line in listing.splitlines()}
    assert entries["vendor/lib/lib.py"] == "100644"  # a file, not a 160000 gitlink
    assert "docs/a.md" in entries
    assert not any(".git" in name.split("/") for name in entries)
