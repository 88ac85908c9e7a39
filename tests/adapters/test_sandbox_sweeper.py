"""A worker killed with -9 mid-command leaves containers that the next sweep removes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from adapters.sandbox.docker_container import DEADLINE_LABEL, SANDBOX_LABEL, WORKER_LABEL
from adapters.sandbox.docker_engine import connect
from adapters.sandbox.docker_pool import mounted
from adapters.sandbox.docker_sweeper import orphaned, sweep, worker_gone
from core.pid_files import worker_identity

ROOT = Path(__file__).resolve().parents[2]


def _containers_of(client: object, identity: str, run_id: str) -> list[str]:
    found = client.containers.list(all=True, filters={"label": SANDBOX_LABEL})  # type: ignore[attr-defined]
    return [
        c.name
        for c in found
        if c.labels.get(WORKER_LABEL) == identity
        or c.labels.get("orchestrator.run") == run_id
        or run_id[:8] in c.name
    ]


@pytest.mark.parametrize("pool_size", [0, 1], ids=["cold", "warm-pool"])
def test_after_kill_9_of_the_worker_the_sweeper_leaves_no_container_of_its_run(
    docker_image: str, tmp_path: Path, pool_size: int
) -> None:
    workspace, slots = tmp_path / "ws", tmp_path / "slots"
    workspace.mkdir()
    run_id = uuid.uuid4().hex
    worker = subprocess.Popen(
        [sys.executable, "-m", "tests.adapters.sandbox_worker", docker_image, str(slots)]
        + [str(workspace), run_id, str(pool_size)],
        cwd=ROOT,
        env=os.environ.copy(),
    )
    deadline = time.monotonic() + 60
    while not (workspace / "started").exists():
        assert worker.poll() is None and time.monotonic() < deadline, "the command never started"
        time.sleep(0.1)
    identity = worker_identity(worker.pid)
    client = connect()
    # The command's container, and the pool refilled behind it.
    while len(running := _containers_of(client, identity, run_id)) < 1 + pool_size:
        assert time.monotonic() < deadline, running
        time.sleep(0.1)

    worker.send_signal(signal.SIGKILL)
    worker.wait()
    assert _containers_of(client, identity, run_id) == running  # nothing cleaned up by itself

    removed = sweep(client, slots_root=slots)

    assert sorted(removed) == sorted(running)
    assert _containers_of(client, identity, run_id) == []
    assert not any(mounted(slot) for slot in slots.glob("*"))
    assert [slot.name for slot in slots.glob("*")] == []
    # The shared root stays for the next worker of this data dir; the test's dir goes.
    subprocess.run(["umount", "-l", str(slots)], check=False)


def test_a_live_worker_keeps_its_containers_and_a_deadline_ends_anyone_s() -> None:
    me = worker_identity(os.getpid())
    dead = worker_identity(os.getpid(), started="1")
    now = time.time()

    assert not worker_gone(me) and worker_gone(dead)
    assert not worker_gone("123-1@another-host")  # not ours to judge; its deadline will
    assert not orphaned({WORKER_LABEL: me}, now=now, is_gone=worker_gone)
    assert orphaned({WORKER_LABEL: dead}, now=now, is_gone=worker_gone)
    assert orphaned({WORKER_LABEL: me, DEADLINE_LABEL: str(now - 1)}, now=now, is_gone=worker_gone)
    assert orphaned({}, now=now, is_gone=worker_gone)  # no owner at all
