"""The whole pipeline with SANDBOX_KIND=docker: developers' commands and the reviewer's test
runs execute in containers of the worker image, and the project leaves no container behind."""

from __future__ import annotations

import time

import httpx

from adapters.sandbox.docker_container import SANDBOX_LABEL
from adapters.sandbox.docker_engine import connect
from core.settings import SandboxSettings
from tests.stack import Stack
from worker.composition import build_worker


def _names_seen(client: object, since: float, project_id: str) -> set[str]:
    """Every container name (created, or a warm one renamed for a task) naming the project."""
    names = set()
    events = client.events(  # type: ignore[attr-defined]
        since=int(since), until=int(time.time()) + 1, filters={"type": "container"}, decode=True
    )
    for event in events:
        attributes = event.get("Actor", {}).get("Attributes", {})
        if (
            project_id in attributes.get("name", "")
            or attributes.get("orchestrator.project") == project_id
        ):
            names.add(attributes["name"])
    return names


async def test_an_idea_goes_live_with_developers_in_containers(stack: Stack, docker_image: str):
    sandbox = SandboxSettings(kind="docker", docker_runtime="runc", docker_image=docker_image)
    settings = stack.settings.model_copy(update={"sandbox": sandbox})
    client = connect()
    since = time.time()

    async with build_worker(stack.client, settings, stack.sessions):
        project = await stack.services.submit("Weather bot with notifications")
        state = await stack.services.handle(project).result()

    assert state.status == "completed", state.error
    async with httpx.AsyncClient(timeout=5) as http:
        assert (await http.get(f"{state.live_url}/health")).status_code == 200
    # Three developers ran their tests in containers, and the reviewer ran each pull request's.
    names = _names_seen(client, since, project.id)
    assert len([n for n in names if "review-" in n]) >= 3, names
    assert len([n for n in names if "review-" not in n]) >= 3, names
    left = client.containers.list(all=True, filters={"label": SANDBOX_LABEL})
    assert [
        c.name
        for c in left
        if project.id in c.name or c.labels.get("orchestrator.project") == project.id
    ] == []
