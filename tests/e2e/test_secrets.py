"""A service that needs an API key: asked for, given through the CLI, never seen in clear."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import select
from temporalio.client import WorkflowFailureError

from core.contracts import Gates, InboxItem
from db.engine import transaction
from db.models import Event, InboxEntry, Project, Resource
from db.repositories import events
from services.inbox import InboxServices
from tests.cli.secrets_runner import cli
from tests.cli.test_cli import orchestrator
from tests.decoded_history import decoded_history
from tests.stack import Stack
from worker.composition import build_worker
from workflows.project import ProjectWorkflow


async def open_item(stack: Stack, project_id: str, kind: str) -> InboxItem:
    project = await stack.services.get(project_id)
    for _ in range(240):
        state = await stack.services.live_state(project)
        items = [i for i in (state.open_items() if state else []) if i.kind == kind]
        if items:
            return items[0]
        await asyncio.sleep(0.5)
    raise AssertionError(f"project {project_id} never asked a {kind}")


async def test_a_missing_key_is_asked_for_given_by_cli_and_never_stored_in_clear(stack: Stack):
    value = f"wx-{uuid.uuid4().hex}"
    async with build_worker(stack.client, stack.settings, stack.sessions):
        project = await stack.services.submit("Weather forecast service for my city")
        item = await open_item(stack, project.id, "secret")
        handle = f"secret://{project.id}/WEATHER_API_KEY"
        assert item.options == [handle] and "weather provider API key" in item.prompt
        assert f"orchestrator secrets set {project.id} WEATHER_API_KEY" in item.prompt

        code, out = await orchestrator(stack, "inbox")
        assert f"orchestrator secrets set {project.id} WEATHER_API_KEY" in out, out
        code, out = await orchestrator(stack, "answer", item.id, "not-the-way-to-give-it")
        assert code == 1 and "asks for a secret" in out and "secrets set" in out, out

        code, out = await asyncio.to_thread(
            cli, stack, "secrets", "set", project.id, "WEATHER_API_KEY", stdin=f"{value}\n"
        )
        assert code == 0 and handle in out and f"answered {item.id}" in out, out
        assert value not in out

        state = await stack.services.handle(project).result()
        assert state.status == "completed", state.error
        async with httpx.AsyncClient(timeout=5) as http:
            assert (await http.get(f"{state.live_url}/health")).status_code == 200
        # The deploy resolved the handle: the running service holds the value it was given.
        [pid_file] = stack.settings.releases_dir.glob("*/run/service.pid")
        environ = Path(f"/proc/{pid_file.read_text().strip()}/environ").read_bytes()
        assert f"WEATHER_API_KEY={value}".encode() in environ.split(b"\0")

        code, out = await asyncio.to_thread(cli, stack, "secrets", "list", project.id, stdin="")
        assert code == 0 and "WEATHER_API_KEY" in out and "set" in out and value not in out
        code, out = await asyncio.to_thread(cli, stack, "resources", project.id, stdin="")
        assert code == 0 and handle in out and f"port://{project.id}/http" in out, out

        runs = [
            stack.client.get_workflow_handle(wf.id, run_id=wf.run_id)
            async for wf in stack.client.list_workflows(f'OrchestratorProjectId="{project.id}"')
        ]
        histories = [
            await decoded_history(stack.client, (await h.fetch_history()).to_json_dict())
            for h in runs
        ]

    assert len(runs) == 4  # the project and its three developers
    assert handle in histories[[r.id for r in runs].index(f"project-{project.id}")]
    assert not [h for h in histories if value in h]
    async with transaction(stack.sessions) as session:
        rows: list[Any] = []
        for table in (Event, InboxEntry, Project, Resource):
            rows += (await session.exec(select(table))).all()
    dumped = "\n".join(json.dumps(r.model_dump(mode="json")) for r in rows)
    assert handle in dumped and value not in dumped
    secret_rows = [r for r in rows if isinstance(r, Resource) and r.kind == "secret"]
    assert [(r.name, r.value) for r in secret_rows] == [("WEATHER_API_KEY", handle)]


async def test_a_paid_resource_stops_at_the_spending_gate(stack: Stack):
    async with build_worker(stack.client, stack.settings, stack.sessions):
        project = await stack.services.submit(
            "Guestbook for our wedding on its own domain", gates=Gates(spending=True)
        )
        gate = await open_item(stack, project.id, "approval")
        assert gate.stage == "zavhoz"
        assert f"domain://{project.id}/main (domain): $1.00/month" in gate.prompt
        await InboxServices(stack.services).answer(gate.id, choice="reject", text="too dear")
        with pytest.raises(WorkflowFailureError):
            await stack.services.handle(project).result()
        state = await stack.services.handle(project).query(ProjectWorkflow.status)

    assert state.status == "failed" and "not approved (too dear)" in (state.error or "")
    async with transaction(stack.sessions) as session:
        log = await events.list_for_project(
            session=session, tenant_id=project.tenant_id, project_id=project.id
        )
    [priced] = [e for e in log if e.kind == "resources_priced"]
    assert "total $1.00/month" in priced.message
    assert priced.payload["costs"][0]["monthly_usd"] == 1.0
