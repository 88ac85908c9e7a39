"""One contract, every forge: the local bare-git forge and the GitHub forge (App or personal
token) against the fake GitHub, driven the way the activities drive them, with real git."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from adapters.forge import git
from adapters.forge.base import Forge, RepoInfo, Review, ReviewComment
from adapters.forge.local import LocalForge, MergeConflict
from core.errors import InvalidInput, NotFound
from db.engine import SessionFactory
from tests.fakes.github_server import FakeGitHub
from tests.github_forge import app_settings, github_forge, secret_store, token_settings


@dataclass
class Backend:
    forge: Forge
    work: Path
    fake: FakeGitHub | None = None

    async def push(self, repo: RepoInfo, branch: str, files: dict[str, str]) -> str:
        """What a developer activity does: clone, branch, write, commit, push."""
        workdir = self.work / f"w{len(list(self.work.glob('w*')))}"
        credential = await self.forge.git_credential(repo)
        clone = await git.clone(repo.clone_url, workdir, credential=credential)
        if await git.has_remote_branch(clone, branch, credential=credential):
            await git.checkout_remote_branch(clone, branch)
        else:
            await git.checkout_new_branch(clone, branch)
        for name, content in files.items():
            (workdir / name).write_text(content)
        sha = await git.commit_all(clone, f"work on {branch}")
        assert sha is not None
        credential = await self.forge.git_credential(repo)
        await git.push(clone, branch, remote=repo.clone_url, credential=credential)
        return sha

    async def main_file(self, repo: RepoInfo, name: str) -> str:
        workdir = self.work / f"main{len(list(self.work.glob('main*')))}"
        credential = await self.forge.git_credential(repo)
        await git.clone(repo.clone_url, workdir, branch="main", credential=credential)
        return (workdir / name).read_text()


@pytest.fixture(params=["local", "github-app", "github-token"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    work = tmp_path / "work"
    work.mkdir()
    if request.param == "local":
        sessions: SessionFactory = request.getfixturevalue("sessions")
        yield Backend(LocalForge(root=tmp_path / "forge", sessions=sessions, tenant_id="t1"), work)
        return
    with FakeGitHub(tmp_path / "fake-github") as fake:
        store = secret_store(tmp_path / "secrets")
        settings = (app_settings if request.param == "github-app" else token_settings)(fake, store)
        yield Backend(github_forge(settings, store, tmp_path / "unused"), work, fake)


async def test_a_repository_is_created_once_with_a_readme_on_main(backend: Backend) -> None:
    first = await backend.forge.ensure_repository(owner="acme", name="shop", description="A shop.")
    second = await backend.forge.ensure_repository(owner="acme", name="shop", description="A shop.")

    assert first == second and first.default_branch == "main" and first.name == "shop"
    assert "@" not in first.clone_url and "@" not in first.web_url  # never a credential
    assert "A shop." in await backend.main_file(first, "README.md")
    assert await backend.forge.find_repository(owner=first.owner, name="shop") == first
    assert await backend.forge.find_repository(owner=first.owner, name="nothing-here") is None


async def test_a_pull_request_is_opened_once_per_branch_and_follows_pushes(
    backend: Backend,
) -> None:
    repo = await backend.forge.ensure_repository(owner="acme", name="shop", description="")
    first_sha = await backend.push(repo, "task/a", {"app.py": "print('v1')\n"})
    first = await backend.forge.open_pull_request(repo=repo, branch="task/a", title="A", body="")
    second_sha = await backend.push(repo, "task/a", {"app.py": "print('v2')\n"})
    second = await backend.forge.open_pull_request(repo=repo, branch="task/a", title="A", body="")

    assert (first.number, first.head_sha, first.state, first.branch) == (
        1,
        first_sha,
        "open",
        "task/a",
    )
    assert (second.number, second.head_sha) == (1, second_sha)
    diff = await backend.forge.get_diff(repo=repo, number=1)
    assert "+print('v2')" in diff and "app.py" in diff
    now = await backend.forge.get_pull_request(repo=repo, number=1)
    assert (now.state, now.head_sha, now.merge_sha) == ("open", second_sha, None)
    assert [p.number for p in await backend.forge.list_pull_requests(repo=repo)] == [1]


async def test_merge_lands_on_main_and_merging_again_is_a_no_op(backend: Backend) -> None:
    repo = await backend.forge.ensure_repository(owner="acme", name="shop", description="")
    await backend.push(repo, "task/a", {"app.py": "print('hi')\n"})
    pr = await backend.forge.open_pull_request(repo=repo, branch="task/a", title="A", body="")

    merged = await backend.forge.merge_pull_request(repo=repo, number=pr.number)
    again = await backend.forge.merge_pull_request(repo=repo, number=pr.number)

    assert merged.state == "merged" and merged.merge_sha and again == merged
    assert await backend.main_file(repo, "app.py") == "print('hi')\n"
    assert "+print('hi')" in await backend.forge.get_diff(repo=repo, number=pr.number)
    assert await backend.forge.get_pull_request(repo=repo, number=pr.number) == merged


async def test_a_conflicting_branch_is_refused_and_main_stays(backend: Backend) -> None:
    repo = await backend.forge.ensure_repository(owner="acme", name="shop", description="")
    await backend.push(repo, "task/a", {"app.py": "a\n"})
    await backend.push(repo, "task/b", {"app.py": "b\n"})
    pr_a = await backend.forge.open_pull_request(repo=repo, branch="task/a", title="A", body="")
    pr_b = await backend.forge.open_pull_request(repo=repo, branch="task/b", title="B", body="")
    await backend.forge.merge_pull_request(repo=repo, number=pr_a.number)

    with pytest.raises(MergeConflict):
        await backend.forge.merge_pull_request(repo=repo, number=pr_b.number)

    assert await backend.main_file(repo, "app.py") == "a\n"
    assert (await backend.forge.get_pull_request(repo=repo, number=pr_b.number)).state == "open"


async def test_close_is_idempotent_and_a_closed_one_cannot_merge(backend: Backend) -> None:
    repo = await backend.forge.ensure_repository(owner="acme", name="shop", description="")
    await backend.push(repo, "task/a", {"a.txt": "a\n"})
    pr = await backend.forge.open_pull_request(repo=repo, branch="task/a", title="A", body="")

    closed = await backend.forge.close_pull_request(repo=repo, number=pr.number)
    again = await backend.forge.close_pull_request(repo=repo, number=pr.number)

    assert closed.state == "closed" and again == closed
    with pytest.raises(InvalidInput, match="closed"):
        await backend.forge.merge_pull_request(repo=repo, number=pr.number)
    states = [p.state for p in await backend.forge.list_pull_requests(repo=repo)]
    assert states == ["closed"]


async def test_reviews_round_trip_with_line_comments_once_per_head_and_verdict(
    backend: Backend,
) -> None:
    repo = await backend.forge.ensure_repository(owner="acme", name="shop", description="")
    first = await backend.push(repo, "task/a", {"app.py": "x = 1\ny = 2\n"})
    pr = await backend.forge.open_pull_request(repo=repo, branch="task/a", title="A", body="")
    changes = Review(
        verdict="request_changes",
        body="Rename y.",
        comments=(ReviewComment(path="app.py", line=2, body="y says nothing"),),
        head_sha=first,
    )
    await backend.forge.submit_review(repo=repo, number=pr.number, review=changes)
    await backend.forge.submit_review(repo=repo, number=pr.number, review=changes)  # a retry
    second = await backend.push(repo, "task/a", {"app.py": "x = 1\ncount = 2\n"})
    approval = Review(verdict="approve", body="Good now.", head_sha=second)
    await backend.forge.submit_review(repo=repo, number=pr.number, review=approval)

    posted = await backend.forge.list_reviews(repo=repo, number=pr.number)

    assert [(r.verdict, r.body, r.head_sha) for r in posted] == [
        ("request_changes", "Rename y.", first),
        ("approve", "Good now.", second),
    ]
    assert posted[0].comments == changes.comments and posted[1].comments == ()
    assert all(r.author for r in posted)


async def test_unknown_branches_and_numbers_and_self_merges_are_refused(backend: Backend) -> None:
    repo = await backend.forge.ensure_repository(owner="acme", name="shop", description="")

    with pytest.raises(NotFound):
        await backend.forge.open_pull_request(repo=repo, branch="task/missing", title="x", body="")
    with pytest.raises(InvalidInput):
        await backend.forge.open_pull_request(repo=repo, branch="main", title="x", body="")
    with pytest.raises(NotFound):
        await backend.forge.get_pull_request(repo=repo, number=99)
