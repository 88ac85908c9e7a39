"""kill -9 of the whole embedded stack mid-activity, then a plain `orchestrator up`.

The project finishes exactly once, well within the bound below — the start-to-close
timeouts that used to decide how long a crash cost were 5 and 10 minutes — and the
embedded Temporal server does not outlive the killed stack.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

import httpx
import pytest
from temporalio.api.enums.v1 import PendingActivityState
from temporalio.client import Client

from adapters.secrets.factory import build_secret_store
from adapters.secrets.history_keys import history_converter
from bench import exactly_once
from bench.embedded_stack import TERMINAL, EmbeddedStack, pid_alive
from core.settings import Settings

RESTART_TO_DONE_BOUND_S = 120


async def started_activity(client: Client, activity_type: str, timeout_s: float = 90) -> str:
    """Wait until an attempt of `activity_type` is running; the id of its workflow."""
    started = PendingActivityState.PENDING_ACTIVITY_STATE_STARTED
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        async for execution in client.list_workflows('ExecutionStatus="Running"'):
            description = await client.get_workflow_handle(
                execution.id, run_id=execution.run_id
            ).describe()
            for pending in description.raw_description.pending_activities:
                if pending.activity_type.name == activity_type and pending.state == started:
                    return execution.id
        await asyncio.sleep(0.05)
    raise AssertionError(f"no attempt of {activity_type} started within {timeout_s}s")


@pytest.mark.parametrize(
    ("activity_type", "model_latency_s"),
    [
        ("architect.plan_tasks", 2.0),  # a model call in flight
        ("developer.write_code", 0.5),  # coding agents at work in their sandboxes
        ("devops.deploy_release", 0.0),  # an Ansible run half way
    ],
)
async def test_a_stack_killed_mid_activity_finishes_the_project_exactly_once(
    tmp_path: Path, activity_type: str, model_latency_s: float
):
    stack = EmbeddedStack(tmp_path / "home", {"LLM_SIMULATED_LATENCY_S": str(model_latency_s)})
    try:
        stack.start()
        stack.wait_healthy()
        project = stack.submit("Weather bot with notifications")
        client = await Client.connect(
            f"127.0.0.1:{stack.env['TEMPORAL_EMBEDDED_PORT']}",
            data_converter=history_converter(build_secret_store(Settings(home=stack.home))),
        )
        await started_activity(client, activity_type)

        server = stack.temporal_pid()
        assert server is not None and pid_alive(server)
        assert stack.kill_all() is None, "the embedded server outlived the killed stack"
        killed_at = time.monotonic()

        stack.start()  # a plain `orchestrator up`, nothing cleaned by hand
        stack.wait_healthy()
        final = stack.wait_until(project, TERMINAL, RESTART_TO_DONE_BOUND_S)
        assert final == "completed", f"{final} {time.monotonic() - killed_at:.0f}s after restart"

        assert exactly_once.problems(stack, project) == []
        retried = [e["message"] for e in stack.events(project) if e["kind"] == "activity_retried"]
        assert any(m.startswith(activity_type) for m in retried), retried
    finally:
        stack.stop()
        stack.stop_services()


async def test_the_stack_restarts_its_embedded_server_when_it_dies(tmp_path: Path):
    stack = EmbeddedStack(tmp_path / "home", {"PIPELINE_GATES": '["deploy"]'})
    try:
        stack.start()
        stack.wait_healthy()
        project = stack.submit("Weather bot with notifications")
        gate = await _open_item(stack, project)

        first = stack.temporal_pid()
        assert first is not None
        os.kill(first, signal.SIGKILL)
        for _ in range(200):  # the stack notices, backs off briefly and starts a new one
            second = stack.temporal_pid()
            if second not in (None, first) and pid_alive(second):
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("the embedded server was not restarted")
        stack.wait_healthy()

        answer = httpx.post(
            f"{stack.api}/inbox/{gate}/answer", json={"choice": "approve"}, timeout=30
        )
        assert answer.status_code == 200, answer.text
        assert stack.wait_until(project, TERMINAL, RESTART_TO_DONE_BOUND_S) == "completed"
        assert exactly_once.problems(stack, project) == []
    finally:
        stack.stop()
        stack.stop_services()


async def _open_item(stack: EmbeddedStack, project: str) -> str:
    for _ in range(600):
        items = httpx.get(f"{stack.api}/inbox", params={"project_id": project}, timeout=30)
        if items.json():
            return str(items.json()[0]["id"])
        await asyncio.sleep(0.1)
    raise AssertionError("the deploy gate never opened")
