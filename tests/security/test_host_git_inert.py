"""Nothing a sandboxed command writes into its checkout makes host git run a program.

Every vector is planted three ways: by a command in the bubblewrap sandbox, by one in the
process sandbox, and straight from the host (a sandbox that could write whatever it sees).
Then host git does what the activities do with that checkout, for real: the developer's
commit and push, the reviewer's checkout and test run, the forge's diff and merge.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from temporalio.testing import ActivityEnvironment

from activities.workspace import checkout
from adapters.forge import git
from adapters.forge.base import RepoInfo
from adapters.forge.local import LocalForge
from adapters.sandbox.bubblewrap import BubblewrapSandbox
from adapters.sandbox.process import ProcessSandbox
from tests.security.planting import VECTORS, plant_script

BRANCH = "task/a"
APP = "print('hi')\n"
Planter = Callable[[Path, str], Awaitable[None]]


def _through(sandbox: BubblewrapSandbox | ProcessSandbox) -> Planter:
    async def plant(tree: Path, script: str) -> None:
        result = await sandbox.run(tree, script, timeout_s=30)
        assert result.ok, result.stderr

    return plant


async def _from_host(tree: Path, script: str) -> None:
    proc = await asyncio.create_subprocess_exec("/bin/sh", "-c", script, cwd=tree)
    assert await proc.wait() == 0


@pytest.fixture(params=["bubblewrap", "process", "host"])
def plant(request: pytest.FixtureRequest) -> Planter:
    if request.param == "bubblewrap":
        bwrap = BubblewrapSandbox()
        if not bwrap.probe():
            pytest.skip("bubblewrap cannot start a sandbox here")
        return _through(bwrap)
    if request.param == "process":
        return _through(ProcessSandbox())
    return _from_host


async def _develop(
    root: Path, repo: RepoInfo, plant: Planter, vector: str, marker: Path
) -> str | None:
    """The developer activity's git steps around a sandboxed command that plants `vector`."""
    async with checkout(root, repo, "dev") as ws:
        await git.checkout_new_branch(ws.repo, BRANCH)
        (ws.tree / "app.py").write_text(APP)
        await plant(ws.tree, plant_script(vector, tree=ws.tree, marker=marker))
        sha = await git.commit_all(ws.repo, "work")
        await git.push(ws.repo, BRANCH, remote=ws.url, force=True)
        return sha


async def _review(root: Path, repo: RepoInfo, plant: Planter, vector: str, marker: Path) -> None:
    """The reviewer activity's checkout, with the planting command as its test run."""
    async with checkout(root, repo, "review", BRANCH) as ws:
        assert (ws.tree / "app.py").read_text() == APP  # no smudge filter either
        await plant(ws.tree, plant_script(vector, tree=ws.tree, marker=marker))


async def _tree_of(repo: RepoInfo, ref: str) -> dict[str, str]:
    bare = git.Repo.bare(Path(repo.clone_url))
    names = (await git.run("ls-tree", "-r", "--name-only", ref, repo=bare)).split()
    return {name: await git.run("show", f"{ref}:{name}", repo=bare) for name in names}


@pytest.mark.parametrize("vector", list(VECTORS))
async def test_planted_vector_runs_nothing_on_the_host(
    vector: str, plant: Planter, forge: LocalForge, repo: RepoInfo, tmp_path: Path
) -> None:
    marker = tmp_path / "host-code-ran"
    env = ActivityEnvironment()
    roots = tmp_path / "workspaces"

    sha = await env.run(_develop, roots, repo, plant, vector, marker)
    assert not marker.exists(), "the developer's commit or push ran planted code"
    await env.run(_review, roots, repo, plant, vector, marker)
    pr = await forge.open_pull_request(repo=repo, branch=BRANCH, title="A", body="")
    diff = await forge.get_diff(repo=repo, number=pr.number)
    merged = await forge.merge_pull_request(repo=repo, number=pr.number)

    assert not marker.exists(), "the review checkout or the merge ran planted code"
    assert sha is not None and sha == await git.remote_head(repo.clone_url, BRANCH)
    pushed = await _tree_of(repo, f"refs/heads/{BRANCH}")
    assert pushed["app.py"] == APP  # no clean filter rewrote it
    assert not any(name.split("/")[0] == ".git" for name in pushed)
    assert "+print('hi')" in diff and "filtered" not in diff  # no textconv either
    assert merged.state == "merged"
    assert (await _tree_of(repo, "refs/heads/main"))["app.py"] == APP
