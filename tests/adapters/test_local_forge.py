"""The local forge against real git and a real SQLite database."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.forge import git
from adapters.forge.base import RepoInfo
from adapters.forge.local import LocalForge, MergeConflict
from core.errors import InvalidInput, NotFound
from db.engine import SessionFactory
from db.repositories import pull_requests


async def push_branch(repo: RepoInfo, workdir: Path, branch: str, files: dict[str, str]) -> str:
    """What a developer activity does: clone, branch, write, commit, push."""
    clone = await git.clone(repo.clone_url, workdir)
    if await git.has_remote_branch(clone, branch):
        await git.checkout_remote_branch(clone, branch)
    else:
        await git.checkout_new_branch(clone, branch)
    for name, content in files.items():
        (workdir / name).write_text(content)
    sha = await git.commit_all(clone, f"work on {branch}")
    assert sha is not None
    await git.push(clone, branch, remote=repo.clone_url)
    return sha


async def read_main(repo: RepoInfo, workdir: Path, name: str) -> str:
    await git.clone(repo.clone_url, workdir, branch="main")
    return (workdir / name).read_text()


async def test_ensure_repository_is_idempotent(forge: LocalForge, tmp_path: Path) -> None:
    first = await forge.ensure_repository(owner="acme", name="shop", description="A shop.")
    second = await forge.ensure_repository(owner="acme", name="shop", description="A shop.")

    assert first == second
    assert [p.name for p in (tmp_path / "forge" / "acme").iterdir()] == ["shop.git"]
    assert first.clone_url == str(tmp_path / "forge" / "acme" / "shop.git")
    assert first.web_url.startswith("file://") and first.default_branch == "main"
    assert "A shop." in await read_main(first, tmp_path / "check", "README.md")


async def test_rejects_path_like_names(forge: LocalForge) -> None:
    with pytest.raises(InvalidInput, match="invalid repository"):
        await forge.ensure_repository(owner="..", name="x", description="")


async def test_open_pull_request_is_idempotent_per_branch(
    forge: LocalForge, sessions: SessionFactory, repo: RepoInfo, tmp_path: Path
) -> None:
    work = tmp_path / "dev"
    first_sha = await push_branch(repo, work, "task/a", {"app.py": "print('v1')\n"})
    first = await forge.open_pull_request(repo=repo, branch="task/a", title="A", body="")

    (work / "app.py").write_text("print('v2')\n")
    clone = git.Repo.host_clone(work)
    second_sha = await git.commit_all(clone, "v2")
    assert await git.commit_all(clone, "nothing") is None
    await git.push(clone, "task/a", remote=repo.clone_url)
    second = await forge.open_pull_request(repo=repo, branch="task/a", title="A", body="")

    assert (first.number, first.head_sha, first.state) == (1, first_sha, "open")
    assert (second.number, second.head_sha) == (1, second_sha)
    async with sessions() as session:
        rows = await pull_requests.list_for_repo(session=session, repo="acme/shop")
    assert len(rows) == 1
    diff = await forge.get_diff(repo=repo, number=1)
    assert "+print('v2')" in diff and "app.py" in diff


async def test_get_diff_follows_a_pushed_branch(
    forge: LocalForge, repo: RepoInfo, tmp_path: Path
) -> None:
    work = tmp_path / "dev"
    await push_branch(repo, work, "task/a", {"a.txt": "one\n"})
    pr = await forge.open_pull_request(repo=repo, branch="task/a", title="A", body="")
    await push_branch(repo, tmp_path / "dev2", "task/a", {"b.txt": "two\n"})

    diff = await forge.get_diff(repo=repo, number=pr.number)

    assert "+one" in diff and "+two" in diff


async def test_merge_then_merge_again_is_a_no_op(
    forge: LocalForge, repo: RepoInfo, tmp_path: Path
) -> None:
    await push_branch(repo, tmp_path / "dev", "task/a", {"app.py": "print('hi')\n"})
    pr = await forge.open_pull_request(repo=repo, branch="task/a", title="A", body="")

    merged = await forge.merge_pull_request(repo=repo, number=pr.number)
    again = await forge.merge_pull_request(repo=repo, number=pr.number)

    assert merged.state == "merged" and merged.merge_sha
    assert again == merged
    main = await git.rev_parse(git.Repo.bare(Path(repo.clone_url)), "refs/heads/main")
    assert main == merged.merge_sha
    assert await read_main(repo, tmp_path / "check", "app.py") == "print('hi')\n"
    assert "+print('hi')" in await forge.get_diff(repo=repo, number=pr.number)


async def test_merge_recovers_when_the_push_was_not_recorded(
    forge: LocalForge, repo: RepoInfo, tmp_path: Path
) -> None:
    await push_branch(repo, tmp_path / "dev", "task/a", {"app.py": "x\n"})
    pr = await forge.open_pull_request(repo=repo, branch="task/a", title="A", body="")
    # Simulate a crash after the push: merge by hand, leave the row open.
    work = tmp_path / "by-hand"
    clone = await git.clone(repo.clone_url, work, branch="main")
    by_hand = await git.merge_no_ff(clone, "origin/task/a", message="merge")
    await git.push(clone, "main", remote=repo.clone_url)

    merged = await forge.merge_pull_request(repo=repo, number=pr.number)

    assert merged.merge_sha == by_hand and merged.state == "merged"


async def test_branches_touching_different_files_both_merge(
    forge: LocalForge, repo: RepoInfo, tmp_path: Path
) -> None:
    await push_branch(repo, tmp_path / "a", "task/a", {"a.txt": "a\n"})
    await push_branch(repo, tmp_path / "b", "task/b", {"b.txt": "b\n"})
    pr_a = await forge.open_pull_request(repo=repo, branch="task/a", title="A", body="")
    pr_b = await forge.open_pull_request(repo=repo, branch="task/b", title="B", body="")

    await forge.merge_pull_request(repo=repo, number=pr_a.number)
    await forge.merge_pull_request(repo=repo, number=pr_b.number)

    check = tmp_path / "check"
    await git.clone(repo.clone_url, check, branch="main")
    assert (check / "a.txt").read_text() == "a\n" and (check / "b.txt").read_text() == "b\n"


async def test_conflicting_branch_raises_and_leaves_main_alone(
    forge: LocalForge, sessions: SessionFactory, repo: RepoInfo, tmp_path: Path
) -> None:
    await push_branch(repo, tmp_path / "a", "task/a", {"app.py": "a\n"})
    await push_branch(repo, tmp_path / "b", "task/b", {"app.py": "b\n"})
    pr_a = await forge.open_pull_request(repo=repo, branch="task/a", title="A", body="")
    pr_b = await forge.open_pull_request(repo=repo, branch="task/b", title="B", body="")
    await forge.merge_pull_request(repo=repo, number=pr_a.number)
    main_before = await git.rev_parse(git.Repo.bare(Path(repo.clone_url)), "refs/heads/main")

    with pytest.raises(MergeConflict, match="app.py") as conflict:
        await forge.merge_pull_request(repo=repo, number=pr_b.number)

    assert conflict.value.files == ["app.py"]
    assert (
        await git.rev_parse(git.Repo.bare(Path(repo.clone_url)), "refs/heads/main") == main_before
    )
    async with sessions() as session:
        row = await pull_requests.get(session=session, repo="acme/shop", number=pr_b.number)
    assert row is not None and row.state == "open"


async def test_unknown_branch_and_other_tenants_pr_are_not_found(
    forge: LocalForge, sessions: SessionFactory, repo: RepoInfo, tmp_path: Path
) -> None:
    with pytest.raises(NotFound, match="task/missing"):
        await forge.open_pull_request(repo=repo, branch="task/missing", title="x", body="")
    await push_branch(repo, tmp_path / "a", "task/a", {"a.txt": "a\n"})
    pr = await forge.open_pull_request(repo=repo, branch="task/a", title="A", body="")
    other = LocalForge(root=tmp_path / "forge", sessions=sessions, tenant_id="t2")

    with pytest.raises(NotFound):
        await other.merge_pull_request(repo=repo, number=pr.number)


async def test_git_errors_redact_credentials(tmp_path: Path) -> None:
    with pytest.raises(git.GitError) as failure:
        await git.clone("http://user:s3cret@127.0.0.1:9/x.git", tmp_path / "x")

    assert "s3cret" not in str(failure.value) and "***@" in str(failure.value)
