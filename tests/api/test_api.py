"""The HTTP API against a real stack (dev server, migrated SQLite)."""

from __future__ import annotations

import asyncio
from datetime import datetime

from tests.api.client import client_for
from tests.stack import Stack


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


async def test_the_inbox_lists_what_waits_and_takes_answers(stack: Stack):
    from worker.composition import build_worker

    async with (
        build_worker(stack.client, stack.settings, stack.sessions),
        client_for(stack) as api,
    ):
        created = await api.post(
            "/projects", json={"idea": "Weather bot with notifications", "gates": ["deploy"]}
        )
        assert created.status_code == 201
        project_id = created.json()["id"]
        items: list[dict[str, object]] = []
        while not items:  # the pipeline runs up to the deploy gate
            await asyncio.sleep(0.2)
            items = (await api.get("/inbox", params={"project_id": project_id})).json()
        [gate] = items
        assert gate["kind"] == "approval" and str(gate["prompt"]).startswith("Deploy release")

        bad = await api.post(f"/inbox/{gate['id']}/answer", json={"choice": "perhaps"})
        unknown = await api.post("/inbox/a-000000000000-1/answer", json={"choice": "approve"})
        unnamed = await api.post(f"/inbox/{gate['id']}/answer", json={"text": "ok"})
        assert bad.status_code == 422
        assert unknown.status_code == 404
        assert unnamed.status_code == 422 and "--approve or --reject" in unnamed.json()["detail"]

        answered = await api.post(f"/inbox/{gate['id']}/answer", json={"choice": "approve"})
        assert answered.json() == {
            "item_id": gate["id"],
            "queued": False,
            "message": f"'{gate['id']}' answered",
        }
        state = await stack.services.handle(await stack.services.get(project_id)).result()
        events = (await api.get(f"/projects/{project_id}/events")).json()
        detail = (await api.get(f"/projects/{project_id}")).json()
        again = await api.post(f"/inbox/{gate['id']}/answer", json={"choice": "approve"})
        finished = await api.post(f"/projects/{project_id}/cancel")

    assert state.status == "completed"
    assert detail["workflow"]["status"] == "completed"  # the worker answered the query
    assert [s["name"] for s in detail["workflow"]["stages"]] == [s.name for s in state.stages]
    assert again.status_code == 409 and "cannot take answers now" in again.json()["detail"]
    assert finished.status_code == 409 and "is not running" in finished.json()["detail"]
    # SQLite keeps no offset; the API must still say which time zone its times are in.
    assert all(datetime.fromisoformat(e["created_at"]).tzinfo is not None for e in events)
    assert {"approval_asked", "approval_answered", "project_completed"} <= {
        e["kind"] for e in events
    }
