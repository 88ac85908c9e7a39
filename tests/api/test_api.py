"""The HTTP API against a real stack (dev server, migrated SQLite)."""

from __future__ import annotations

import httpx

from api.app import create_app
from tests.stack import Stack


def client_for(stack: Stack) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=create_app(stack.services))
    return httpx.AsyncClient(transport=transport, base_url="http://api")


async def test_health_reports_its_dependencies(stack: Stack):
    async with client_for(stack) as api:
        response = await api.get("/health")
    assert response.json() == {"status": "ok", "database": True, "temporal": True}


async def test_bad_payloads_get_clear_errors_and_start_nothing(stack: Stack):
    async with client_for(stack) as api:
        empty = await api.post("/projects", json={"idea": "  "})
        missing = await api.post("/projects", json={"what": "Weather bot"})
        not_json = await api.post(
            "/projects", content=b"{oops", headers={"content-type": "application/json"}
        )
        unknown = await api.get("/projects/nope")
        listed = await api.get("/projects")
    assert empty.status_code == 422 and "the idea is empty" in empty.json()["detail"]
    assert missing.status_code == 422
    assert not_json.status_code == 422
    assert unknown.status_code == 404 and unknown.json()["detail"] == "no project 'nope'"
    assert listed.json() == []


async def test_a_submitted_idea_is_stored_and_its_workflow_started(stack: Stack):
    async with client_for(stack) as api:
        created = await api.post("/projects", json={"idea": "Weather bot"})
        assert created.status_code == 201
        project_id = created.json()["id"]
        detail = await api.get(f"/projects/{project_id}")
        cancelled = await api.post(f"/projects/{project_id}/cancel")
    assert detail.json()["idea"] == "Weather bot"
    assert cancelled.status_code == 202  # no worker on this queue: it was still running
    described = await stack.services.handle(await stack.services.get(project_id)).describe()
    assert described.id == f"project-{project_id}"
