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
from tests.docker_engine import docker_sandbox

needs_bwrap = pytest.mark.skipif(shutil.which("bwrap") is None, reason="bwrap is not installed")


@pytest.fixture(scope="module")
def docker(docker_image: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DockerSandbox]:
    sandbox = docker_sandbox(docker_image, tmp_path_factory.mktemp("slots"))
    yield sandbox
    sandbox.close()


@pytest.fixture(scope="module")
def docker_cold(
    docker_image: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DockerSandbox]:
    """No warm pool: every command starts its own container with the tree bound directly."""
    sandbox = docker_sandbox(docker_image, tmp_path_factory.mktemp("slots"), pool_size=0)
    yield sandbox
    sandbox.close()


@pytest.fixture(
    params=[
        pytest.param("process"),
        pytest.param("bubblewrap", marks=needs_bwrap),
        pytest.param("docker"),
        pytest.param("docker_cold"),
    ]
)
def sandbox(request: pytest.FixtureRequest) -> Sandbox:
    if request.param == "process":
        return ProcessSandbox()
    if request.param == "bubblewrap":
        return BubblewrapSandbox()
    return request.getfixturevalue(request.param)  # type: ignore[no-any-return]


@pytest.fixture(
    params=[
        pytest.param("bubblewrap", marks=needs_bwrap),
        pytest.param("docker"),
    ]
)
def isolated(request: pytest.FixtureRequest) -> Sandbox:
    """The backends that isolate: what the security tests hold them to."""
    if request.param == "bubblewrap":
        return BubblewrapSandbox()
    return request.getfixturevalue(request.param)  # type: ignore[no-any-return]


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


async def test_a_host_port_is_refused(
    isolated: Sandbox, workspace: Path, listening_port: int
) -> None:
    probe = (
        "import socket\n"
        f"socket.create_connection(('127.0.0.1', {listening_port}), timeout=2)\n"
        "print('connected')\n"
    )
    (workspace / "probe.py").write_text(probe)

    result = await isolated.run(workspace, "python3 probe.py")

    assert result.exit_code != 0 and "connected" not in result.stdout
    # Refused (bubblewrap: a loopback of its own) or unreachable (Docker: no interface at all).
    assert "ConnectionRefusedError" in result.stderr or "unreachable" in result.stderr


async def test_the_outside_world_is_unreachable(isolated: Sandbox, workspace: Path) -> None:
    probe = (
        "import socket\n"
        "for address in [('1.1.1.1', 53), ('8.8.8.8', 443), ('deb.debian.org', 80)]:\n"
        "    try:\n"
        "        socket.create_connection(address, timeout=3)\n"
        "        print('reached', address)\n"
        "    except OSError as exc:\n"
        "        print('blocked', type(exc).__name__)\n"
    )
    (workspace / "probe.py").write_text(probe)

    result = await isolated.run(workspace, "python3 probe.py", timeout_s=30)

    assert result.ok, result.stderr
    assert "reached" not in result.stdout and result.stdout.count("blocked") == 3


async def test_host_files_the_data_dir_and_secrets_are_invisible(
    isolated: Sandbox, workspace: Path, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    (data_dir / "secrets").mkdir(parents=True)
    (data_dir / "secrets" / "age.key").write_text("AGE-SECRET-KEY-1TEST\n")
    (data_dir / "orchestrator.db").write_text("rows")
    host_files = [Path(__file__), Path.cwd() / "pyproject.toml", Path("/root/.bashrc")]
    probes = [data_dir, data_dir / "secrets" / "age.key", tmp_path, *host_files]
    script = "; ".join(f"test -e {p} && echo seen {p}" for p in probes)

    # Also by content where the host keeps such files, in case a path is mounted elsewhere.
    search = "grep -rls AGE-SECRET /tmp /root /home /workspace 2>/dev/null"

    result = await isolated.run(workspace, f"{script}; {search}; true", timeout_s=60)

    assert "seen" not in result.stdout and result.stdout.strip() == "", result.stdout


async def test_no_orchestrator_variable_is_visible(
    isolated: Sandbox, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("LLM_API_KEY", "FORGE_GITHUB_TOKEN", "DATABASE_URL", "SECRETS_AGE_KEY_FILE"):
        monkeypatch.setenv(name, f"planted-{name}")

    result = await isolated.run(workspace, "env; cat /proc/1/environ 2>/dev/null | tr '\\0' ' '")

    assert "planted" not in result.stdout
    assert "DOCKER_HOST" not in result.stdout and "ORCHESTRATOR" not in result.stdout


@pytest.mark.parametrize("target", ["/usr/x", "/root/x", "/x", "/etc/passwd"])
async def test_nothing_outside_the_workspace_is_writable(
    isolated: Sandbox, workspace: Path, target: str
) -> None:
    result = await isolated.run(workspace, f"echo pwned > {target}")

    assert result.exit_code != 0
    assert not Path(target).exists() or "pwned" not in Path(target).read_text(errors="replace")


def test_factory_picks_backends() -> None:
    assert isinstance(build_sandbox(SandboxSettings(kind="process")), ProcessSandbox)
    docker = build_sandbox(SandboxSettings(kind="docker", docker_runtime="runc"), start=False)
    assert isinstance(docker, DockerSandbox) and docker.isolated


def test_docker_without_an_engine_says_so_and_falls_back_to_nothing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")

    with pytest.raises(ServiceUnavailable, match="no Docker engine answers at unix://"):
        build_sandbox(SandboxSettings(kind="docker"))


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
