"""The local forge's review and sync half: reviews in the DB, what a person did by hand."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import update

from adapters.forge import git
from adapters.forge.base import RepoInfo, Review, ReviewComment
from adapters.forge.local import LocalForge
from core.errors import InvalidInput, NotFound
from db.engine import SessionFactory, transaction
from db.models import PullRequest
from tests.adapters.test_local_forge import push_branch


async def open_pr(forge: LocalForge, repo: RepoInfo, work: Path, branch: str) -> int:
    await push_branch(repo, work, branch, {f"{branch.replace('/', '-')}.txt": "x\n"})
    pr = await forge.open_pull_request(repo=repo, branch=branch, title=branch, body="")
    return pr.number


async def test_find_repository_returns_only_what_exists(forge: LocalForge, repo: RepoInfo):
    assert await forge.find_repository(owner="acme", name="shop") == repo
    assert await forge.find_repository(owner="acme", name="nothing") is None
    assert await forge.find_repository(owner="..", name="shop") is None


async def test_reviews_are_stored_with_line_comments_once_per_head_and_verdict(
    forge: LocalForge, repo: RepoInfo, tmp_path: Path
):
    number = await open_pr(forge, repo, tmp_path / "a", "task/a")
    head = (await forge.get_pull_request(repo=repo, number=number)).head_sha
    changes = Review(
        verdict="request_changes",
        body="Tests fail.",
        comments=(ReviewComment("tests/test_a.py", 7, "assertion fails here"),),
        head_sha=head,
    )

    await forge.submit_review(repo=repo, number=number, review=changes)
    await forge.submit_review(repo=repo, number=number, review=changes)  # a retried reviewer
    await forge.submit_review(
        repo=repo, number=number, review=Review(verdict="approve", body="Good.", head_sha=head)
    )

    reviews = await forge.list_reviews(repo=repo, number=number)
    assert [(r.verdict, r.body, r.head_sha) for r in reviews] == [
        ("request_changes", "Tests fail.", head),
        ("approve", "Good.", head),
    ]
    assert reviews[0].comments == (ReviewComment("tests/test_a.py", 7, "assertion fails here"),)
    assert reviews[0].author == "acme-reviewer"


async def test_a_review_without_a_head_is_about_the_current_one_and_bad_lines_are_refused(
    forge: LocalForge, repo: RepoInfo, tmp_path: Path
):
    number = await open_pr(forge, repo, tmp_path / "a", "task/a")
    await forge.submit_review(repo=repo, number=number, review=Review("comment", "FYI"))
    [review] = await forge.list_reviews(repo=repo, number=number)
    assert review.head_sha == (await forge.get_pull_request(repo=repo, number=number)).head_sha

    bad = Review("request_changes", "x", comments=(ReviewComment("a.py", 0, "line zero"),))
    with pytest.raises(InvalidInput, match="line"):
        await forge.submit_review(repo=repo, number=number, review=bad)
    with pytest.raises(NotFound):
        await forge.list_reviews(repo=repo, number=99)


async def test_close_is_idempotent_and_a_closed_or_merged_one_stays_as_it_is(
    forge: LocalForge, repo: RepoInfo, tmp_path: Path
):
    a = await open_pr(forge, repo, tmp_path / "a", "task/a")
    b = await open_pr(forge, repo, tmp_path / "b", "task/b")
    await forge.merge_pull_request(repo=repo, number=b)

    closed = await forge.close_pull_request(repo=repo, number=a)
    again = await forge.close_pull_request(repo=repo, number=a)
    merged = await forge.close_pull_request(repo=repo, number=b)

    assert closed.state == "closed" and again == closed
    assert merged.state == "merged"
    with pytest.raises(InvalidInput, match="closed"):
        await forge.merge_pull_request(repo=repo, number=a)
    assert [(p.number, p.state) for p in await forge.list_pull_requests(repo=repo)] == [
        (a, "closed"),
        (b, "merged"),
    ]


async def test_a_merge_by_hand_with_plain_git_shows_as_merged(
    forge: LocalForge, repo: RepoInfo, tmp_path: Path
):
    number = await open_pr(forge, repo, tmp_path / "a", "task/a")
    clone = await git.clone(repo.clone_url, tmp_path / "person", branch="main")
    by_hand = await git.merge_no_ff(clone, "origin/task/a", message="merged by a person")
    await git.push(clone, "main", remote=repo.clone_url)

    pr = await forge.get_pull_request(repo=repo, number=number)

    assert (pr.state, pr.merge_sha) == ("merged", by_hand)
    assert [p.state for p in await forge.list_pull_requests(repo=repo)] == ["merged"]


async def test_a_deleted_branch_or_a_row_closed_by_hand_shows_as_closed(
    forge: LocalForge, sessions: SessionFactory, repo: RepoInfo, tmp_path: Path
):
    a = await open_pr(forge, repo, tmp_path / "a", "task/a")
    b = await open_pr(forge, repo, tmp_path / "b", "task/b")
    await git.run("branch", "-D", "task/a", repo=git.Repo.bare(Path(repo.clone_url)))
    async with transaction(sessions) as session:
        await session.exec(  # type: ignore[call-overload]
            update(PullRequest).where(PullRequest.number == b).values(state="closed")
        )

    states = {p.number: p.state for p in await forge.list_pull_requests(repo=repo)}

    assert states == {a: "closed", b: "closed"}


async def test_other_tenants_pull_requests_are_neither_listed_nor_reviewable(
    forge: LocalForge, sessions: SessionFactory, repo: RepoInfo, tmp_path: Path
):
    number = await open_pr(forge, repo, tmp_path / "a", "task/a")
    other = LocalForge(root=tmp_path / "forge", sessions=sessions, tenant_id="t2")

    assert await other.list_pull_requests(repo=repo) == []
    with pytest.raises(NotFound):
        await other.submit_review(repo=repo, number=number, review=Review("approve", "ok"))
    with pytest.raises(NotFound):
        await other.close_pull_request(repo=repo, number=number)
