"""`orchestrator change` as a person runs it against a live project on a real stack."""

from __future__ import annotations

import httpx
import pytest

from tests.changes_helpers import releases_of
from tests.cli.test_cli import orchestrator
from tests.stack import Stack
from worker.composition import build_worker


@pytest.mark.timeout(600)
async def test_change_wait_brings_release_2_live_with_the_new_endpoint(stack: Stack):
    async with build_worker(stack.client, stack.settings, stack.sessions):
        project = await stack.services.submit("Bookmark keeper with tags and search")
        state = await stack.services.handle(project).result()
        assert state.status == "completed", state.error

        code, out = await orchestrator(
            stack, "change", project.id, "Add an endpoint /hello that greets visitors", "--wait"
        )
        assert code == 0, out
        assert "change #1 to" in out and "queued" in out
        assert "change_stage_started" in out and "change #1 live" in out

        code, listed = await orchestrator(stack, "changes", project.id)
    assert code == 0 and "live" in listed and "/hello" in listed

    releases = await releases_of(stack, project.id)
    assert [r.status for r in releases] == ["healthy", "healthy"]
    assert releases[1].release_id.startswith("c1-") and releases[1].release_id in listed
    async with httpx.AsyncClient(timeout=5) as http:
        hello = await http.get(f"{state.live_url}/hello")
        assert hello.status_code == 200 and hello.json()["endpoint"] == "/hello"
        assert (await http.get(f"{state.live_url}/health")).status_code == 200


async def test_change_refuses_bad_input_and_projects_that_are_not_live(stack: Stack):
    code, out = await orchestrator(stack, "change", "nope", "   ")
    assert code == 1 and "the change is empty" in out
    code, out = await orchestrator(stack, "change", "nope", "x" * 2500)
    assert code == 1 and "keep it under 2000" in out
    code, out = await orchestrator(stack, "change", "nope", "add /stats")
    assert code == 1 and "no project 'nope'" in out
    project = await stack.services.submit("Weather bot with notifications")  # no worker: queued
    code, out = await orchestrator(stack, "change", project.id, "add /stats")
    assert code == 1 and "still being built" in out
    code, out = await orchestrator(stack, "changes", project.id)
    assert code == 0 and "add /stats" not in out
