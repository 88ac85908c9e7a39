"""Fork bombs, memory hogs and busy loops end as failed commands naming their limit."""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.sandbox.base import Sandbox
from adapters.sandbox.bubblewrap import BubblewrapSandbox
from adapters.sandbox.cgroup import create_cgroup
from adapters.sandbox.docker import DockerSandbox
from adapters.sandbox.docker_container import WORKER_LABEL
from adapters.sandbox.limits import Limits
from adapters.sandbox.process import ProcessSandbox
from tests.docker_engine import docker_sandbox

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


@pytest.fixture(scope="module")
def docker_limited(
    docker_image: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DockerSandbox]:
    sandbox = docker_sandbox(docker_image, tmp_path_factory.mktemp("slots"), limits=SMALL)
    yield sandbox
    sandbox.close()


@pytest.fixture(
    params=[
        pytest.param("bubblewrap", marks=needs_bwrap),
        pytest.param("process", marks=needs_cgroups),
        pytest.param("docker"),
    ]
)
def limited(request: pytest.FixtureRequest) -> Sandbox:
    if request.param == "bubblewrap":
        return BubblewrapSandbox(limits=SMALL)
    if request.param == "process":
        return ProcessSandbox(limits=SMALL)
    return request.getfixturevalue("docker_limited")  # type: ignore[no-any-return]


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


async def test_docker_containers_carry_the_limits_and_the_isolation(
    docker_limited: DockerSandbox, workspace: Path
) -> None:
    # Read back from the engine while the command runs: what the kernel is told, not our args.
    probe = "sleep 0.5; cat /proc/self/limits | grep 'Max cpu time'; id -u"
    run = asyncio.create_task(docker_limited.run(workspace, probe))
    config = None
    while config is None and not run.done():
        for container in docker_limited.client.containers.list(filters={"label": WORKER_LABEL}):
            if container.labels.get(WORKER_LABEL) == docker_limited.identity:
                config = container.attrs["HostConfig"]
        await asyncio.sleep(0.05)
    result = await run

    assert config is not None
    assert (config["PidsLimit"], config["Memory"], config["MemorySwap"]) == (
        64,
        256 << 20,
        256 << 20,
    )
    assert (config["NetworkMode"], config["ReadonlyRootfs"], config["Runtime"]) == (
        "none",
        True,
        "runc",
    )
    assert config["CapDrop"] == ["ALL"] and "no-new-privileges" in config["SecurityOpt"]
    assert result.ok, result.stderr
    assert result.stdout.split()[3:5] == ["2", "3"] and result.stdout.split()[-1] == "10001"
