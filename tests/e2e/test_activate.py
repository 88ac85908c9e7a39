"""Product-owner tools against a real stack: a stopped project without a repository URL is
found its repository and restarted where it stopped; bad input is refused with a reason."""

from __future__ import annotations

import asyncio

import pytest
from sqlmodel import update
from temporalio.client import WorkflowFailureError

from core.contracts import Gates, InboxItem
from core.errors import InvalidInput, NotFound
from db.engine import transaction
from db.models import Project
from services.inbox import InboxServices
from services.product_owner import activate_project, update_project
from services.projects import ProjectServices
from tests.api.client import client_for
from tests.cli.test_cli import orchestrator
from tests.e2e.test_forge_review_loop import event_kinds, forge_of
from tests.stack import Stack
from worker.composition import build_worker
from workflows.project import ProjectWorkflow


async def deploy_approval(services: ProjectServices, project_id: str) -> InboxItem:
    handle = services.client.get_workflow_handle(f"project-{project_id}")
    async with asyncio.timeout(180):
        while True:
            state = await handle.query(ProjectWorkflow.status)
            assert state.status == "running", state.error
            for item in state.open_items():
                if item.kind == "approval" and item.stage == "devops":
                    return item
            await asyncio.sleep(0.2)


async def answer_when_recorded(inbox: InboxServices, item_id: str, **reply: str) -> None:
    """The workflow shows an item a moment before its record is written: answer once it is."""
    async with asyncio.timeout(30):
        while True:
            try:
                await inbox.answer(item_id, **reply)
                return
            except NotFound:
                await asyncio.sleep(0.2)


async def test_activate_finds_the_lost_repository_and_resumes_a_failed_project(stack: Stack):
    services = stack.services
    inbox = InboxServices(services)
    async with build_worker(stack.client, stack.settings, stack.sessions):
        project = await services.submit("Weather bot with notifications", gates=Gates(deploy=True))
        item = await deploy_approval(services, project.id)
        await answer_when_recorded(inbox, item.id, choice="reject", text="not today")
        with pytest.raises(WorkflowFailureError):
            await services.handle(project).result()
        # What the seed's stuck projects looked like: no URL, no recorded name.
        async with transaction(stack.sessions) as session:
            await session.exec(  # type: ignore[call-overload]
                update(Project)
                .where(Project.id == project.id)
                .values(repository_url=None, config={"gates": ["deploy"], "owner": "owner"})
            )

        outcome = await activate_project(services, project.id)
        assert outcome.restarted and "restarted from devops" in outcome.message
        item = await deploy_approval(services, project.id)
        await inbox.answer(item.id, choice="approve")
        state = await services.handle(project).result()

    assert state.status == "completed", state.error
    stored = await services.get(project.id)
    repo = await forge_of(stack).find_repository(
        owner="orchestrator", name=stored.config["repo_name"]
    )
    assert repo is not None and stored.repository_url == repo.web_url
    assert stored.status == "completed" and state.live_url
    kinds = await event_kinds(stack, project.id)
    assert kinds.count("project_activated") == 1
    assert kinds.count("code_written") == len(state.tasks)  # nothing was built twice
    assert kinds.count("pull_request_merged") == len(state.tasks)


async def test_bad_updates_and_activations_are_refused_with_the_reason(stack: Stack):
    services = stack.services
    project = await services.submit("Weather bot")  # no worker: it waits at brainstorm

    with pytest.raises(InvalidInput, match="unknown status 'done'; choose from queued"):
        await update_project(services, project.id, status="done")
    with pytest.raises(NotFound, match="no repository acme/nothing on the local forge"):
        await update_project(services, project.id, repository_url="file:///srv/acme/nothing.git")
    with pytest.raises(InvalidInput, match="carries credentials"):
        await update_project(
            services, project.id, repository_url="https://x:ghp_secret@github.com/acme/shop"
        )
    with pytest.raises(InvalidInput, match="not a repository URL"):
        await update_project(services, project.id, repository_url="ftp://host/x")
    with pytest.raises(InvalidInput, match="nothing to update"):
        await update_project(services, project.id)
    # A repository that exists, but on another host than this forge serves.
    repo = await forge_of(stack).ensure_repository(owner="acme", name="shop", description="")
    with pytest.raises(NotFound, match="not on the local forge"):
        await update_project(services, project.id, repository_url="https://github.com/acme/shop")
    updated = await update_project(services, project.id, repository_url=repo.web_url)
    assert updated.repository_url == repo.web_url and updated.config["repo_name"] == "shop"

    async with transaction(stack.sessions) as session:
        await session.exec(  # type: ignore[call-overload]
            update(Project)
            .where(Project.id == project.id)
            .values(repository_url=None, config={"repo_name": "ghost"})
        )
    with pytest.raises(InvalidInput, match="none was found.*orchestrator/ghost"):
        await activate_project(services, project.id)

    code, out = await orchestrator(stack, "update", project.id, "--status", "finished")
    assert code == 1 and "unknown status 'finished'" in out
    code, out = await orchestrator(stack, "activate", "no-such-project")
    assert code == 1 and "no project 'no-such-project'" in out
    async with client_for(stack) as api:
        bad_word = await api.patch(f"/projects/{project.id}", json={"status": "finished"})
        missing = await api.patch(
            f"/projects/{project.id}", json={"repository_url": "https://github.com/a/b"}
        )
        unknown = await api.get("/projects/nope/pull-requests")
        none_yet = await api.get(f"/projects/{project.id}/pull-requests")
    assert bad_word.status_code == 422
    assert missing.status_code == 404 and "no repository a/b" in missing.json()["detail"]
    assert unknown.status_code == 404
    assert none_yet.json() == []
