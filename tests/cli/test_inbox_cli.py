"""A person drives a gated project with `inbox` and `answer`, as in `make demo --gate ...`."""

from __future__ import annotations

import asyncio
import re

import httpx

from tests.cli.test_cli import orchestrator
from tests.stack import Stack
from worker.composition import build_worker

ITEM_ID = re.compile(r"\b([qae]-[0-9a-f]{12}-\d+)\b")


async def wait_for_item(stack: Stack, kind: str) -> str:
    for _ in range(120):
        code, out = await orchestrator(stack, "inbox")
        assert code == 0, out
        for line in out.splitlines():
            if kind in line and (found := ITEM_ID.search(line)):
                return found.group(1)
        await asyncio.sleep(0.5)
    raise AssertionError(f"no {kind} in the inbox:\n{out}")


async def test_inbox_and_answer_drive_a_gated_project_to_a_live_service(stack: Stack):
    async with build_worker(stack.client, stack.settings, stack.sessions):
        code, out = await orchestrator(stack, "new", "Notes app", "--gate", "spec,deploy")
        assert code == 0, out

        question = await wait_for_item(stack, "question")  # a vague idea gets a question
        code, out = await orchestrator(stack, "answer", question, "Students; a title and a body")
        assert code == 0 and "answered" in out, out

        spec_gate = await wait_for_item(stack, "approval")
        code, out = await orchestrator(stack, "answer", spec_gate, "yes please")
        assert code == 1 and "answer with --approve or --reject" in out
        code, out = await orchestrator(stack, "answer", spec_gate, "--approve")
        assert code == 0, out
        code, out = await orchestrator(stack, "answer", spec_gate, "--approve")
        assert code == 1 and "is closed (it was answered)" in out  # stale: refused

        deploy_gate = await wait_for_item(stack, "approval")
        assert deploy_gate != spec_gate
        code, out = await orchestrator(stack, "answer", deploy_gate, "--approve")
        assert code == 0, out

        [project] = await stack.services.list()
        state = await stack.services.handle(project).result()

    assert state.status == "completed"
    async with httpx.AsyncClient(timeout=5) as http:
        assert (await http.get(f"{state.live_url}/health")).status_code == 200
    spec = (await stack.services.get(project.id)).spec or {}
    assert "From the owner: Students; a title and a body" in spec["requirements"]

    code, out = await orchestrator(stack, "events", project.id)
    for kind in ("question_asked", "question_answered", "approval_asked", "approval_answered"):
        assert kind in out, out
    code, out = await orchestrator(stack, "inbox")
    assert "nothing is waiting for you" in out


async def test_an_answer_given_while_no_worker_runs_is_queued_and_applied_later(stack: Stack):
    async with build_worker(stack.client, stack.settings, stack.sessions):
        code, out = await orchestrator(
            stack, "new", "Weather bot with notifications", "--gate", "deploy"
        )
        gate = await wait_for_item(stack, "approval")

    code, out = await orchestrator(
        stack, "answer", gate, "--approve", env={"PIPELINE_ANSWER_WAIT_S": "2"}
    )
    assert code == 0 and "queued" in out, out

    async with build_worker(stack.client, stack.settings, stack.sessions):
        [project] = await stack.services.list()
        state = await stack.services.handle(project).result()
    assert state.status == "completed" and state.live_url
