"""Change requests through the API: refused clearly unless they can run, queued when they can."""

from __future__ import annotations

import pytest

from core import changes as naming
from db.engine import transaction
from db.repositories import projects
from tests.api.client import client_for
from tests.stack import Stack


async def _project_in(stack: Stack, status: str, live_url: str | None = None) -> str:
    """A submitted project (no worker runs it), its row put where the test needs it."""
    project = await stack.services.submit("Weather bot with notifications")
    async with transaction(stack.sessions) as session:
        row = await projects.get(
            session=session, tenant_id=project.tenant_id, project_id=project.id
        )
        await projects.update(session=session, project=row, status=status, live_url=live_url)
    return project.id


async def _queue_exists(stack: Stack, project_id: str) -> bool:
    found = [
        wf
        async for wf in stack.client.list_workflows(
            f'WorkflowId="{naming.queue_workflow_id(project_id)}"'
        )
    ]
    return bool(found)


async def test_a_change_to_an_unknown_project_is_404(stack: Stack):
    async with client_for(stack) as api:
        answer = await api.post("/projects/nope/changes", json={"text": "add /stats"})
        listed = await api.get("/projects/nope/changes")
    assert answer.status_code == 404 and "no project 'nope'" in answer.json()["detail"]
    assert listed.status_code == 404


@pytest.mark.parametrize(
    ("status", "words"),
    [
        ("running", "still being built"),
        ("failed", "failed, with no live release"),
        ("cancelled", "cancelled, with no live release"),
    ],
)
async def test_a_change_to_a_project_that_is_not_live_is_409_and_records_nothing(
    stack: Stack, status: str, words: str
):
    project_id = await _project_in(stack, status)
    async with client_for(stack) as api:
        answer = await api.post(f"/projects/{project_id}/changes", json={"text": "add /stats"})
        listed = await api.get(f"/projects/{project_id}/changes")
    assert answer.status_code == 409
    assert words in answer.json()["detail"] and "live projects only" in answer.json()["detail"]
    assert listed.json() == []
    assert not await _queue_exists(stack, project_id)


async def test_empty_or_huge_change_text_is_422_and_records_nothing(stack: Stack):
    project_id = await _project_in(stack, "completed", "http://127.0.0.1:1")
    async with client_for(stack) as api:
        empty = await api.post(f"/projects/{project_id}/changes", json={"text": " \x00\t "})
        huge = await api.post(f"/projects/{project_id}/changes", json={"text": "x" * 2001})
        missing = await api.post(f"/projects/{project_id}/changes", json={})
        listed = await api.get(f"/projects/{project_id}/changes")
    assert empty.status_code == 422 and "the change is empty" in empty.json()["detail"]
    assert huge.status_code == 422 and missing.status_code == 422
    assert listed.json() == []
    assert not await _queue_exists(stack, project_id)


async def test_a_change_to_a_live_project_is_queued_and_listed(stack: Stack):
    project_id = await _project_in(stack, "completed", "http://127.0.0.1:1")
    async with client_for(stack) as api:
        first = await api.post(f"/projects/{project_id}/changes", json={"text": "add /stats"})
        second = await api.post(f"/projects/{project_id}/changes", json={"text": "add /hello"})
        listed = await api.get(f"/projects/{project_id}/changes")
    assert (first.status_code, second.status_code) == (202, 202)
    assert [(c["number"], c["status"], c["text"]) for c in listed.json()] == [
        (1, "queued", "add /stats"),
        (2, "queued", "add /hello"),
    ]
    assert listed.json()[0]["workflow_id"] == naming.change_workflow_id(project_id, 1)
    # No worker runs here: both wait, in order, in the project's queue.
    handle = stack.client.get_workflow_handle(naming.queue_workflow_id(project_id))
    assert (await handle.describe()).status is not None
