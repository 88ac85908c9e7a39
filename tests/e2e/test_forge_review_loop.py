"""The review on the pull request, end to end: the reviewer's verdict is posted on the forge,
the rework round reads it back from there, and a merge a person does by hand is noticed by
github_sync and counted by the workflow.

The pipeline runs through the real openai client against the fake OpenAI server, with the
offline model answering behind it (as in test_secret_leak.py); the test only changes what
the "model" writes, or holds one answer back while a person acts.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapters.forge import git
from adapters.forge.local import LocalForge
from adapters.llm.base import ChatMessage, ToolCall
from core.contracts import ProjectState
from db.engine import transaction
from db.repositories import events
from services.projects import ProjectServices
from services.pull_requests import project_pull_requests
from services.schedules.forge_sync import ensure_forge_sync_schedule
from tests.e2e.test_secret_leak import provider_settings
from tests.fakes.offline_llm import OfflineResponder
from tests.fakes.openai_server import FakeOpenAIServer
from tests.stack import Stack
from worker.composition import build_worker
from workflows.project import ProjectWorkflow

FAILING_TEST = """

import unittest as _unittest


class ReviewerCatchesThis(_unittest.TestCase):
    def test_draft_is_not_done(self) -> None:
        self.assertEqual("draft", "done")
"""


class FirstDraftFails:
    """The first test file of the health task carries a failing test; later rounds write
    what the model writes."""

    def __init__(self) -> None:
        self.line = 0

    def __call__(self, call: ToolCall, messages: list[ChatMessage]) -> ToolCall:
        path = str(call.arguments.get("path", ""))
        if call.name != "write_file" or self.line or not path.endswith("test_health.py"):
            return call
        content = call.arguments["content"].rstrip("\n") + "\n" + FAILING_TEST
        self.line = content.splitlines().index('        self.assertEqual("draft", "done")') + 1
        return ToolCall(call.id, call.name, {**call.arguments, "content": content})


@pytest.fixture
def fake() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as server:
        yield server


def forge_of(stack: Stack) -> LocalForge:
    return LocalForge(
        root=stack.settings.forge_dir, sessions=stack.sessions, tenant_id=stack.settings.tenant
    )


async def event_kinds(stack: Stack, project_id: str) -> list[str]:
    async with transaction(stack.sessions) as session:
        rows = await events.list_for_project(
            session=session, tenant_id=stack.settings.tenant, project_id=project_id
        )
    return [row.kind for row in rows]


async def test_the_reviewer_requests_changes_on_the_pull_request_and_the_rework_reads_them(
    stack: Stack, fake: FakeOpenAIServer
) -> None:
    draft = FirstDraftFails()
    fake.respond = OfflineResponder(rewrite=draft)
    settings = provider_settings(stack, fake)
    services = ProjectServices(settings, stack.sessions, stack.client)

    async with build_worker(stack.client, settings, stack.sessions):
        project = await services.submit("Weather bot with notifications")
        state: ProjectState = await services.handle(project).result()

    assert state.status == "completed", state.error
    assert draft.line, "the health task never wrote its test file"
    stored = await services.get(project.id)
    forge = forge_of(stack)
    repo = await forge.find_repository(owner="orchestrator", name=stored.config["repo_name"])
    assert repo is not None and stored.repository_url == repo.web_url
    health = next(t for t in state.tasks if t.key == "health")
    assert health.rounds == 2 and health.status == "merged"

    # On the pull request: changes requested at the failing line, then approved.
    reviews = await forge.list_reviews(repo=repo, number=health.pr_number or 0)
    assert [r.verdict for r in reviews] == ["request_changes", "approve"]
    [comment] = [c for c in reviews[0].comments if c.path == "tests/test_health.py"]
    assert comment.line == draft.line and "AssertionError" in comment.body
    assert reviews[0].head_sha != reviews[1].head_sha

    # The rework developer was briefed from the forge: the line comment only lives there.
    where = f"tests/test_health.py:{draft.line}: AssertionError"
    briefed = [r.body for r in fake.requests if r.body.get("tools")]
    assert any(where in json.dumps(body) for body in briefed), "rework never saw the comment"

    views = {v.task_key: v for v in await project_pull_requests(services, project.id)}
    assert (views["health"].state, views["health"].verdict) == ("merged", "approve")
    assert {v.state for v in views.values()} == {"merged"}


async def test_a_pull_request_merged_by_hand_is_noticed_by_github_sync_and_counted_merged(
    stack: Stack, fake: FakeOpenAIServer, tmp_path: Path
) -> None:
    responder = OfflineResponder()
    reviewing, go_on = threading.Event(), threading.Event()

    def respond(body: dict[str, Any]) -> dict[str, Any]:
        schema = body.get("response_format", {}).get("json_schema", {}).get("name")
        if schema == "ReviewVerdict" and not reviewing.is_set():
            reviewing.set()  # the first review waits while a person merges another task
            go_on.wait(120)
        return responder(body)

    fake.respond = respond
    settings = provider_settings(stack, fake)
    services = ProjectServices(settings, stack.sessions, stack.client)
    schedule_id = await ensure_forge_sync_schedule(stack.client, settings)
    try:
        async with build_worker(stack.client, settings, stack.sessions):
            project = await services.submit("Weather bot with notifications")
            handle = services.handle(project)
            async with asyncio.timeout(180):
                while not reviewing.is_set():
                    await asyncio.sleep(0.2)
            state = await handle.query(ProjectWorkflow.status)
            by_hand = state.tasks[-1]  # reviewed last: a person is quicker
            assert by_hand.status == "in_review" and by_hand.pr_number

            stored = await services.get(project.id)
            bare = settings.forge_dir / "orchestrator" / f"{stored.config['repo_name']}.git"
            clone = await git.clone(str(bare), tmp_path / "person", branch="main")
            await git.merge_no_ff(clone, f"origin/task/{by_hand.key}", message="merged by hand")
            await git.push(clone, "main", remote=str(bare))

            await stack.client.get_schedule_handle(schedule_id).trigger()
            async with asyncio.timeout(60):
                while True:
                    state = await handle.query(ProjectWorkflow.status)
                    task = next(t for t in state.tasks if t.key == by_hand.key)
                    if task.status == "merged":
                        break
                    await asyncio.sleep(0.3)
            go_on.set()
            state = await handle.result()
    finally:
        go_on.set()
        await stack.client.get_schedule_handle(schedule_id).delete()

    assert state.status == "completed", state.error
    assert {t.status for t in state.tasks} == {"merged"}
    assert [c.pr_number for c in state.pr_changes] == [by_hand.pr_number]
    reviewer = state.stage_record("reviewer")
    assert "1 merged or closed by people" in reviewer.detail
    kinds = await event_kinds(stack, project.id)
    assert kinds.count("pull_request_merged") == len(state.tasks) - 1  # not merged again
    assert kinds.count("pull_request_merged_outside") == 1
    # The reviewer never looked at it: the person's merge stands, with no review posted.
    repo = await forge_of(stack).find_repository(owner="orchestrator", name=bare.stem)
    assert repo is not None
    assert await forge_of(stack).list_reviews(repo=repo, number=by_hand.pr_number) == []
    # What the person merged is live: the deploy took main as it was.
    async with httpx.AsyncClient(timeout=5) as http:
        assert (await http.get(f"{state.live_url}/health")).status_code == 200
