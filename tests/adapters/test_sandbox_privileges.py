"""A root worker's sandbox is not root: its own uid, read-only kernel settings and `.git`."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from pathlib import Path

import pytest

from adapters.sandbox.bubblewrap import BubblewrapSandbox
from adapters.sandbox.ownership import lent_to

SANDBOX_UID = 54321  # not the default, so the setting is what is tested
pytestmark = pytest.mark.skipif(
    not BubblewrapSandbox().probe(), reason="bubblewrap cannot start a sandbox here"
)
# A non-root worker cannot switch user: its commands run as itself (documented in the README).
expected_uid = SANDBOX_UID if os.geteuid() == 0 else os.getuid()


@pytest.fixture
def bwrap() -> BubblewrapSandbox:
    return BubblewrapSandbox(uid=SANDBOX_UID, gid=SANDBOX_UID)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    path = tmp_path / "ws"
    (path / ".git" / "hooks").mkdir(parents=True)
    (path / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (path / "src").mkdir()
    (path / "src" / "app.py").write_text("print('hi')\n")
    return path


async def test_the_command_runs_as_the_sandbox_user(
    bwrap: BubblewrapSandbox, workspace: Path
) -> None:
    result = await bwrap.run(workspace, "id -u; id -g; echo edit >> src/app.py")

    assert result.ok, result.stderr
    assert result.stdout.split() == [
        str(expected_uid),
        str(expected_uid if os.geteuid() == 0 else os.getgid()),
    ]
    assert (workspace / "src" / "app.py").read_text() == "print('hi')\nedit\n"


async def test_files_belong_to_the_sandbox_user_during_the_run_and_to_the_worker_after(
    bwrap: BubblewrapSandbox, workspace: Path
) -> None:
    run = asyncio.create_task(
        bwrap.run(workspace, "touch made; while [ ! -e go ]; do sleep 0.05; done", timeout_s=20)
    )
    while not (workspace / "made").exists():
        await asyncio.sleep(0.05)
    assert (workspace / "made").stat().st_uid == expected_uid
    (workspace / "go").touch()
    assert (await run).ok

    owners = {path.stat().st_uid for path in [workspace, *workspace.rglob("*")]}
    assert owners == {os.getuid()}


async def test_kernel_settings_cannot_be_changed(bwrap: BubblewrapSandbox, workspace: Path) -> None:
    # Writes the value it already has: should the test ever fail, the host is unchanged.
    setting = Path("/proc/sys/kernel/core_uses_pid")
    before = setting.read_text().strip()

    result = await bwrap.run(workspace, f"echo {before} > {setting}")

    assert result.exit_code != 0
    assert "Read-only file system" in result.stderr or "Permission denied" in result.stderr


async def test_git_is_readable_but_not_writable(bwrap: BubblewrapSandbox, workspace: Path) -> None:
    result = await bwrap.run(workspace, "cat .git/HEAD && echo pwned > .git/hooks/pre-commit")

    assert result.exit_code != 0
    assert result.stdout == "ref: refs/heads/main\n"
    assert not (workspace / ".git" / "hooks" / "pre-commit").exists()
    assert (workspace / ".git").stat().st_uid == os.getuid()


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can lend files to another user")
def test_lending_skips_git_follows_no_symlink_and_is_fast(tmp_path: Path) -> None:
    outside = tmp_path / "secret"
    outside.write_text("x")
    workspace = tmp_path / "ws"
    (workspace / ".git").mkdir(parents=True)
    (workspace / "link").symlink_to(outside)
    for index in range(3000):
        (workspace / f"d{index % 30}").mkdir(exist_ok=True)
        (workspace / f"d{index % 30}" / f"f{index}").touch()

    started = time.monotonic()
    with lent_to(workspace, uid=SANDBOX_UID, gid=SANDBOX_UID):
        assert (workspace / "d7" / "f7").stat().st_uid == SANDBOX_UID
        assert (workspace / ".git").stat().st_uid == 0
        assert outside.stat().st_uid == 0
    assert time.monotonic() - started < 2

    assert (workspace / "d7" / "f7").stat().st_uid == 0


async def test_git_history_can_be_read_inside(bwrap: BubblewrapSandbox, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / "a.txt").write_text("a\n")
    subprocess.run([*git, "add", "a.txt"], check=True)
    subprocess.run([*git, "commit", "-qm", "first"], check=True)

    result = await bwrap.run(repo, "git log --format=%s && git add a.txt")

    assert result.stdout == "first\n"
    assert result.exit_code != 0 and "index.lock" in result.stderr
