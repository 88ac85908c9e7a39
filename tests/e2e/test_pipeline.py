"""The whole pipeline, for real: offline model, git forge, bubblewrap, ansible, dev server."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from temporalio.client import WorkflowExecutionStatus, WorkflowFailureError
from temporalio.worker import Worker

from core.contracts import Gates
from core.vocabulary import STAGES
from db.engine import transaction
from db.repositories import deployments, events, pull_requests, tasks, usage
from tests.stack import Stack
from worker.composition import build_worker
from workflows.project import ProjectWorkflow


async def test_an_idea_becomes_a_live_service(stack: Stack):
    worker: Worker = build_worker(stack.client, stack.settings, stack.sessions)
    async with worker:
        project = await stack.services.submit("Weather bot with notifications")
        handle = stack.services.handle(project)
        state = await handle.result()

        assert state.status == "completed", state.error
        assert [s.name for s in state.stages if s.status == "completed"] == list(STAGES)
        assert state.model_label == "offline model"

        async with httpx.AsyncClient(timeout=5) as http:
            health = await http.get(f"{state.live_url}/health")
            assert health.status_code == 200
            created = await http.post(f"{state.live_url}/weather", json={"city": "Oslo"})
            assert created.status_code in (200, 201)
            listed = await http.get(f"{state.live_url}/weather")
            assert "Oslo" in listed.text

        # Operators find the run in the Web UI by its search attributes.
        query = f'OrchestratorProjectId="{project.id}" AND OrchestratorStatus="completed"'
        found = [wf async for wf in stack.client.list_workflows(query)]
        assert [wf.id for wf in found] == [f"project-{project.id}"]
        assert found[0].status == WorkflowExecutionStatus.COMPLETED

    async with transaction(stack.sessions) as session:
        stored = await stack.services.get(project.id)
        assert stored.status == "completed" and stored.live_url == state.live_url
        task_rows = await tasks.list_for_project(
            session=session, tenant_id=stored.tenant_id, project_id=project.id
        )
        assert {t.status for t in task_rows} == {"merged"} and len(task_rows) == 3
        prs = await pull_requests.list_for_repo(
            session=session, repo=f"{stack.settings.forge.owner}/{stored.config['repo_name']}"
        )
        assert len(prs) == 3 and {p.state for p in prs} == {"merged"}
        assert all("+" in p.diff for p in prs)
        releases = await deployments.list_for_project(
            session=session, tenant_id=stored.tenant_id, project_id=project.id
        )
        assert [r.status for r in releases] == ["healthy"]
        kinds = [
            e.kind
            for e in await events.list_for_project(
                session=session, tenant_id=stored.tenant_id, project_id=project.id
            )
        ]
        assert kinds[0] == "project_submitted"
        assert kinds[-2:] == ["project_completed", "notification"]
        assert kinds.count("pull_request_merged") == 3
        spent = await usage.list_for_project(
            session=session, tenant_id=stored.tenant_id, project_id=project.id
        )
    # Every agent that asked the model left what it used, under the model's name.
    developers = {f"developer:{t.key}" for t in task_rows}
    assert {u.agent for u in spent} == {"brainstorm", "architect", "reviewer", *developers}
    assert all(u.model == "offline model" and u.prompt_tokens > 0 for u in spent)


async def test_rollback_with_no_earlier_release_says_so_and_keeps_the_service(stack: Stack):
    async with build_worker(stack.client, stack.settings, stack.sessions):
        project = await stack.services.submit("Bookmark keeper with tags and search")
        state = await stack.services.handle(project).result()
        result = await stack.services.rollback(project.id)

    assert result.status == "failed"
    assert "nothing earlier to roll back to" in result.message
    async with httpx.AsyncClient(timeout=5) as http:
        assert (await http.get(f"{state.live_url}/health")).status_code == 200
    async with transaction(stack.sessions) as session:
        kinds = [
            e.kind
            for e in await events.list_for_project(
                session=session, tenant_id=project.tenant_id, project_id=project.id
            )
        ]
    assert "rollback_failed" in kinds


async def test_cancel_ends_the_project_cancelled_and_records_the_partial_work(stack: Stack):
    async with build_worker(stack.client, stack.settings, stack.sessions):
        project = await stack.services.submit(
            "Weather bot with notifications", gates=Gates(deploy=True)
        )
        handle = stack.services.handle(project)
        while not (state := await handle.query(ProjectWorkflow.status)).open_items():
            await asyncio.sleep(0.2)
        await stack.services.cancel(project.id)
        with pytest.raises(WorkflowFailureError):
            await handle.result()
        state = await handle.query(ProjectWorkflow.status)

    stored = await stack.services.get(project.id)
    assert (state.status, stored.status) == ("cancelled", "cancelled")
    assert "merged before the cancel: " in (stored.error or "")
    async with transaction(stack.sessions) as session:
        releases = await deployments.list_for_project(
            session=session, tenant_id=stored.tenant_id, project_id=project.id
        )
        kinds = [
            e.kind
            for e in await events.list_for_project(
                session=session, tenant_id=stored.tenant_id, project_id=project.id
            )
        ]
    assert releases == []
    assert "project_cancelled" in kinds
