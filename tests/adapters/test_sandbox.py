"""Both local sandbox backends against the real OS: output, secrets, timeouts, isolation."""

from __future__ import annotations

import asyncio
import shutil
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from adapters.sandbox.base import Sandbox
from adapters.sandbox.bubblewrap import BubblewrapSandbox
from adapters.sandbox.docker import DockerSandbox
from adapters.sandbox.factory import build_sandbox
from adapters.sandbox.process import ProcessSandbox
from core.errors import ServiceUnavailable
from core.settings import SandboxSettings

needs_bwrap = pytest.mark.skipif(shutil.which("bwrap") is None, reason="bwrap is not installed")


@pytest.fixture(
    params=[
        pytest.param(ProcessSandbox, id="process"),
        pytest.param(BubblewrapSandbox, id="bubblewrap", marks=needs_bwrap),
    ]
)
def sandbox(request: pytest.FixtureRequest) -> Sandbox:
    return request.param()  # type: ignore[no-any-return]


@pytest.fixture
def bwrap() -> BubblewrapSandbox:
    if shutil.which("bwrap") is None:
        pytest.skip("bwrap is not installed")
    return BubblewrapSandbox()


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    path = tmp_path / "ws"
    path.mkdir()
    return path


async def test_captures_output_and_exit_code(sandbox: Sandbox, workspace: Path) -> None:
    result = await sandbox.run(workspace, "echo out; echo err >&2; exit 3")

    assert (result.exit_code, result.stdout, result.stderr) == (3, "out\n", "err\n")
    assert not result.ok and not result.timed_out


async def test_orchestrator_secrets_do_not_leak(
    sandbox: Sandbox, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret")
    monkeypatch.setenv("DATABASE_URL", "postgresql://user:pw@db/x")

    result = await sandbox.run(workspace, "env")

    assert result.ok
    assert "sk-secret" not in result.stdout and "DATABASE_URL" not in result.stdout
    assert "PYTHONDONTWRITEBYTECODE=1" in result.stdout


async def test_timeout_kills_the_command(sandbox: Sandbox, workspace: Path) -> None:
    started = time.monotonic()
    result = await sandbox.run(workspace, "echo started; sleep 30", timeout_s=0.5)

    assert result.timed_out and not result.ok
    assert result.stdout == "started\n"
    assert time.monotonic() - started < 5


async def test_timeout_kills_background_children(sandbox: Sandbox, workspace: Path) -> None:
    # The grandchild would keep writing into the workspace if only the shell were killed.
    result = await sandbox.run(
        workspace, "(while true; do date >> tick; sleep 0.1; done) & sleep 30", timeout_s=0.5
    )
    assert result.timed_out
    size = (workspace / "tick").stat().st_size
    await asyncio.sleep(0.4)
    assert (workspace / "tick").stat().st_size == size


async def test_cancelling_the_caller_stops_the_command(sandbox: Sandbox, workspace: Path) -> None:
    # A cancelled project cancels its coding activity; the agent's commands must die with it.
    run = asyncio.create_task(
        sandbox.run(workspace, "(while true; do date >> tick; sleep 0.1; done) & sleep 30")
    )
    while not (workspace / "tick").exists():
        await asyncio.sleep(0.05)
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    size = (workspace / "tick").stat().st_size
    await asyncio.sleep(0.4)
    assert (workspace / "tick").stat().st_size == size


async def test_files_land_in_the_workspace(sandbox: Sandbox, workspace: Path) -> None:
    result = await sandbox.run(workspace, "mkdir -p src && echo hello > src/a.txt && pwd")

    assert result.ok, result.stderr
    assert (workspace / "src" / "a.txt").read_text() == "hello\n"


async def test_output_is_capped_to_its_tail(sandbox: Sandbox, workspace: Path) -> None:
    result = await sandbox.run(workspace, "python3 -c \"print('x' * 200_000 + 'END')\"")

    assert result.ok, result.stderr
    assert len(result.stdout) < 70_000
    assert result.stdout.endswith("END\n") and "earlier bytes dropped" in result.stdout


async def test_python3_with_stdlib_runs(sandbox: Sandbox, workspace: Path) -> None:
    result = await sandbox.run(
        workspace, "python3 -c 'import json, http.server, unittest, sqlite3; print(42)'"
    )
    assert (result.exit_code, result.stdout, result.stderr) == (0, "42\n", "")


async def test_bubblewrap_sees_workspace_at_fixed_path(
    bwrap: BubblewrapSandbox, workspace: Path
) -> None:
    result = await bwrap.run(workspace, "pwd; echo $HOME")
    assert result.stdout == "/workspace\n/workspace\n"


@pytest.fixture
def listening_port() -> Iterator[int]:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield server.getsockname()[1]


async def test_bubblewrap_has_no_network(
    bwrap: BubblewrapSandbox, workspace: Path, listening_port: int
) -> None:
    probe = (
        "import socket\n"
        f"socket.create_connection(('127.0.0.1', {listening_port}), timeout=2)\n"
        "print('connected')\n"
    )
    (workspace / "probe.py").write_text(probe)

    result = await bwrap.run(workspace, "python3 probe.py")

    assert result.exit_code != 0 and "connected" not in result.stdout
    assert "ConnectionRefusedError" in result.stderr


@pytest.mark.parametrize("target", ["/usr/x", "/root/x", "/x", "/etc/passwd"])
async def test_bubblewrap_cannot_write_outside_workspace(
    bwrap: BubblewrapSandbox, workspace: Path, target: str
) -> None:
    result = await bwrap.run(workspace, f"echo pwned > {target}")

    assert result.exit_code != 0
    assert not Path(target).exists() or "pwned" not in Path(target).read_text(errors="replace")


def test_factory_picks_backends() -> None:
    assert isinstance(build_sandbox(SandboxSettings(kind="process")), ProcessSandbox)
    docker = build_sandbox(SandboxSettings(kind="docker", docker_runtime="runc"))
    assert isinstance(docker, DockerSandbox) and docker.isolated


@needs_bwrap
def test_factory_auto_prefers_working_bubblewrap() -> None:
    assert isinstance(build_sandbox(SandboxSettings(kind="auto")), BubblewrapSandbox)
    assert isinstance(build_sandbox(SandboxSettings(kind="bubblewrap")), BubblewrapSandbox)


def test_factory_auto_falls_back_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda _name: None)

    with capture_logs() as logs:
        sandbox = build_sandbox(SandboxSettings(kind="auto"))

    assert isinstance(sandbox, ProcessSandbox) and not sandbox.isolated
    assert [entry["log_level"] for entry in logs if "WITHOUT isolation" in entry["event"]] == [
        "warning"
    ]


def test_factory_refuses_missing_bubblewrap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda _name: None)

    with pytest.raises(ServiceUnavailable, match="bwrap"):
        build_sandbox(SandboxSettings(kind="bubblewrap"))
