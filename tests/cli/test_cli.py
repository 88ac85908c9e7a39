"""The `orchestrator` command as a person runs it: a real process against a real stack."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from temporalio.worker import Worker

from tests.stack import Stack
from worker.composition import build_worker

ORCHESTRATOR = str(Path(sys.executable).parent / "orchestrator")


async def orchestrator(
    stack: Stack, *args: str, env: dict[str, str] | None = None
) -> tuple[int, str]:
    settings = stack.settings
    environment = {
        **os.environ,
        "ORCHESTRATOR_HOME": str(settings.home),
        "TEMPORAL_ADDRESS": stack.client.service_client.config.target_host,
        "TEMPORAL_TASK_QUEUE": settings.temporal.task_queue,
        "COLUMNS": "250",
        **(env or {}),
    }
    process = await asyncio.create_subprocess_exec(
        ORCHESTRATOR,
        *args,
        env=environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(process.communicate(), timeout=180)
    assert process.returncode is not None
    return process.returncode, out.decode()


async def test_bad_ideas_are_refused_and_start_nothing(stack: Stack):
    code, out = await orchestrator(stack, "new", "   ")
    assert code == 1 and "the idea is empty" in out
    code, out = await orchestrator(stack, "new", "x" * 5000)
    assert code == 1 and "keep it under 4000" in out
    assert await stack.services.list() == []


async def test_choices_and_gates_outside_the_vocabulary_are_refused(stack: Stack):
    code, out = await orchestrator(stack, "answer", "e-x-1", "--choice", "maybe")
    assert code == 2 and "'maybe' is not one of" in out and "'instruct'" in out
    code, out = await orchestrator(stack, "new", "Weather bot", "--gate", "spec,lunch")
    assert code == 1 and "unknown gate(s) ['lunch']" in out
    assert await stack.services.list() == []


async def test_unknown_project_gets_a_clear_error(stack: Stack):
    code, out = await orchestrator(stack, "status", "no-such-project")
    assert code == 1 and "no project 'no-such-project'" in out
    code, out = await orchestrator(stack, "cancel", "no-such-project")
    assert code == 1 and "no project 'no-such-project'" in out


async def test_new_wait_follows_the_project_to_a_live_url_and_status_shows_it(stack: Stack):
    worker: Worker = build_worker(stack.client, stack.settings, stack.sessions)
    async with worker:
        code, out = await orchestrator(stack, "new", "Recipe book with search", "--wait")
        assert code == 0, out
        [project] = await stack.services.list()
        assert project.status == "completed"
        assert project.live_url and project.live_url in out

        code, out = await orchestrator(stack, "status", project.id)
        assert code == 0
        for stage in ("brainstorm", "zavhoz", "architect", "developer", "reviewer", "devops"):
            assert any(stage in line and "completed" in line for line in out.splitlines()), out

        code, out = await orchestrator(stack, "list")
        assert project.id in out

        code, out = await orchestrator(stack, "cancel", project.id)
        assert code == 1 and "is not running" in out
