"""Cancelling a project stops the sandboxed command its developer is running, for real.

On the dev server, with a real bubblewrap sandbox inside DeveloperWorkflow's activity: the
cancel travels project → child workflow → activity (through a heartbeat) → sandbox.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from temporalio.client import WorkflowFailureError
from temporalio.exceptions import CancelledError
from temporalio.testing import WorkflowEnvironment

from adapters.sandbox.bubblewrap import BubblewrapSandbox
from core.contracts import ProjectInput
from tests.workflows.stand_ins import SandboxedCommand, StandIns
from workflows.project import ProjectWorkflow

pytestmark = pytest.mark.skipif(
    not BubblewrapSandbox().probe(), reason="bubblewrap cannot start a sandbox here"
)


def processes_mentioning(marker: str) -> list[int]:
    """Live processes whose command line holds `marker` (zombies have an empty one)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:  # gone meanwhile
            continue
        if marker.encode() in cmdline:
            found.append(int(proc.name))
    return found


async def test_cancel_kills_the_command_running_in_a_developers_sandbox(
    dev_env: WorkflowEnvironment, tmp_path: Path
):
    # A sleep no other process runs: its length (in seconds) is the marker searched for.
    marker = f"3600.{uuid.uuid4().int % 10**9:09d}"
    stand_ins = StandIns(
        tasks=("index",),
        developer_command=SandboxedCommand(
            BubblewrapSandbox(), tmp_path, f"touch started && exec sleep {marker}"
        ),
    )
    queue = f"q-{uuid.uuid4()}"
    # Heartbeats (which carry the cancel to the activity) leave the worker at least each second.
    worker = stand_ins.worker(dev_env, queue, max_heartbeat_throttle_interval=timedelta(seconds=1))
    async with worker:
        handle = await dev_env.client.start_workflow(
            ProjectWorkflow.run,
            ProjectInput(project_id="p-sandbox", tenant_id="t1", idea="Weather bot"),
            id=f"project-{uuid.uuid4()}",
            task_queue=queue,
        )
        for _ in range(600):
            if (tmp_path / "started").exists():
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("the sandboxed command never started")
        assert processes_mentioning(marker), "the sandboxed command should be running"

        await handle.cancel()
        with pytest.raises(WorkflowFailureError) as failure:
            await handle.result()
        # The project ends only after its child's activity confirmed the cancel: nothing is left.
        assert processes_mentioning(marker) == []
        state = await handle.query(ProjectWorkflow.status)

    assert isinstance(failure.value.cause, CancelledError)
    assert state.status == "cancelled"
    assert state.stage_record("developer").status == "cancelled"
