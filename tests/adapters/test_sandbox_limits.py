"""Fork bombs, memory hogs and busy loops end as failed commands naming their limit."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from adapters.sandbox.base import Sandbox
from adapters.sandbox.bubblewrap import BubblewrapSandbox
from adapters.sandbox.cgroup import create_cgroup
from adapters.sandbox.docker import DockerSandbox
from adapters.sandbox.limits import Limits
from adapters.sandbox.process import ProcessSandbox

SMALL = Limits(pids_max=64, memory_mb=256, cpu_seconds=2)


def _cgroups_work() -> bool:
    cgroup = create_cgroup(SMALL)
    if cgroup is None:
        return False
    cgroup.remove()
    return {"pids", "memory"} <= cgroup.covers


# Without a cgroup the plain process backend has only per-uid rlimits: a fork bomb would
# compete with the test run itself, so it is exercised only where cgroups hold it.
needs_cgroups = pytest.mark.skipif(not _cgroups_work(), reason="cannot create cgroups here")
needs_bwrap = pytest.mark.skipif(
    not BubblewrapSandbox().probe(), reason="bubblewrap cannot start a sandbox here"
)


@pytest.fixture(
    params=[
        pytest.param(BubblewrapSandbox, id="bubblewrap", marks=needs_bwrap),
        pytest.param(ProcessSandbox, id="process", marks=needs_cgroups),
    ]
)
def limited(request: pytest.FixtureRequest) -> Sandbox:
    return request.param(limits=SMALL)  # type: ignore[no-any-return]


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    path = tmp_path / "ws"
    path.mkdir()
    return path


@needs_cgroups
@pytest.mark.parametrize(
    "bomb",
    [
        # The shell stays: once it exits, bwrap's pid namespace (and the bomb) ends anyway.
        pytest.param("f(){ f|f& }; f; sleep 20", id="shell"),
        pytest.param("python3 -c 'import os\nwhile True: os.fork()'", id="python"),
    ],
)
async def test_a_fork_bomb_ends_at_the_pids_limit(
    limited: Sandbox, workspace: Path, bomb: str
) -> None:
    started = time.monotonic()
    result = await limited.run(workspace, bomb, timeout_s=30)

    assert result.limit == "pids" and not result.ok and not result.timed_out
    assert "pids limit (64 processes)" in result.stderr
    assert time.monotonic() - started < 5
    # The worker's own process table is fine: it can still start children.
    assert subprocess.run(["true"], check=False).returncode == 0


@needs_cgroups
async def test_touching_more_memory_than_allowed_ends_the_command(
    limited: Sandbox, workspace: Path
) -> None:
    hog = "python3 -c 'b = bytearray(8 * 2**30); print(len(b))'"

    result = await limited.run(workspace, hog, timeout_s=30)

    assert result.limit == "memory" and not result.ok
    assert "memory limit (256 MB)" in result.stderr
    assert result.stdout == ""


async def test_memory_under_the_limit_is_fine(limited: Sandbox, workspace: Path) -> None:
    result = await limited.run(workspace, "python3 -c 'b = bytearray(64 * 2**20); print(1)'")

    assert result.ok and result.limit is None, result.stderr


async def test_a_busy_loop_ends_at_the_cpu_time_limit(limited: Sandbox, workspace: Path) -> None:
    started = time.monotonic()
    result = await limited.run(workspace, "python3 -c 'while True: pass'", timeout_s=30)

    assert result.limit == "cpu" and not result.ok and not result.timed_out
    assert "CPU time limit (2 s per process)" in result.stderr
    assert time.monotonic() - started < 8


class _Container:
    id = "c1"
    attrs = {"State": {"OOMKilled": True}}

    def wait(self, timeout: float) -> dict[str, int]:
        return {"StatusCode": 137}

    def logs(self, *, stdout: bool, stderr: bool) -> bytes:
        return b""

    def reload(self) -> None:
        pass

    def remove(self, *, force: bool) -> None:
        pass


class _Containers:
    def __init__(self) -> None:
        self.config: dict[str, Any] = {}

    def run(self, *_args: Any, **config: Any) -> _Container:
        self.config = config
        return _Container()


class _Client:
    def __init__(self) -> None:
        self.containers = _Containers()


async def test_docker_containers_carry_the_limits(workspace: Path) -> None:
    client = _Client()
    sandbox = DockerSandbox(image="i", runtime="runc", limits=SMALL, cpus=1.5, client=client)

    result = await sandbox.run(workspace, "true")

    config = client.containers.config
    assert (config["pids_limit"], config["mem_limit"], config["nano_cpus"]) == (
        64,
        "256m",
        1_500_000_000,
    )
    assert [(u.name, u.soft, u.hard) for u in config["ulimits"]] == [("cpu", 2, 3)]
    assert result.limit == "memory" and not result.ok
