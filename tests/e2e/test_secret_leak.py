"""A secret planted in a repository file: masked everywhere, and its branch is never pushed.

The whole pipeline runs against the fake OpenAI server through the real openai client (the
offline model answers behind it). The owner sets a secret while the spec waits for approval,
from a store of their own, as `orchestrator secrets set` would from another process; then the
"model" writes the value into a file of one task. It must reach no model request, no log line,
no database row and no workflow history, and no branch on the forge: the developer's check
before the push fails the task, and the project escalates with where the value stood.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from adapters.forge import git
from adapters.llm.base import ChatMessage, ToolCall
from adapters.secrets.sops import SopsSecretStore
from core.contracts import Gates, InboxItem, ProjectState
from core.handles import Handle
from core.known_secrets import KnownSecrets
from core.settings import LLMSettings, Settings
from db.engine import transaction
from db.repositories import events
from services.inbox import InboxServices
from services.projects import ProjectServices
from tests.decoded_history import decoded_history
from tests.fakes.offline_llm import OfflineResponder
from tests.fakes.openai_server import FakeOpenAIServer
from tests.log_capture import production_logging
from tests.stack import Stack
from worker.composition import build_worker
from workflows.project import ProjectWorkflow

PLANTED_FILE = "routes/health.py"


class Planter:
    """The model's first write of routes/health.py carries the value (a prompt injection's
    doing, say), remembering the line it lands on; its test run then echoes the value in the
    command, which the worker logs."""

    def __init__(self, value: str) -> None:
        self.value = value
        self.line = 0

    def __call__(self, call: ToolCall, messages: list[ChatMessage]) -> ToolCall:
        if call.name == "run_command" and _wrote(messages, PLANTED_FILE):
            command = f"PROBE_TOKEN={self.value} {call.arguments['command']}"
            return ToolCall(call.id, call.name, {"command": command})
        path = call.arguments.get("path")
        if call.name != "write_file" or path != PLANTED_FILE or self.line:
            return call
        content = call.arguments["content"].rstrip("\n") + "\n"
        content += f'\n# the probe authenticates with this\nPROBE_TOKEN = "{self.value}"\n'
        self.line = content[: content.index(self.value)].count("\n") + 1
        return ToolCall(call.id, call.name, {**call.arguments, "content": content})


def _wrote(messages: list[ChatMessage], path: str) -> bool:
    return any(
        c.name == "write_file" and c.arguments.get("path") == path
        for m in messages
        for c in m.tool_calls
    )


@pytest.fixture
def fake() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as server:
        yield server


def provider_settings(stack: Stack, fake: FakeOpenAIServer) -> Settings:
    llm = LLMSettings(
        provider="openai", base_url=fake.base_url, api_key=SecretStr("sk-fake"), model="fake"
    )
    return stack.settings.model_copy(update={"llm": llm})


async def wait_for_item(
    services: ProjectServices, project_id: str, kind: str, timeout_s: float = 120
) -> tuple[InboxItem, ProjectState]:
    handle = services.client.get_workflow_handle(f"project-{project_id}")
    async with asyncio.timeout(timeout_s):
        while True:
            state = await handle.query(ProjectWorkflow.status)
            assert state.status == "running", state.error
            for item in state.open_items():
                if item.kind == kind:
                    return item, state
            await asyncio.sleep(0.2)


async def test_a_planted_secret_reaches_no_model_log_row_or_branch_and_its_task_is_escalated(
    stack: Stack, fake: FakeOpenAIServer
) -> None:
    value = f"planted-{uuid.uuid4().hex}"
    planter = Planter(value)
    fake.respond = OfflineResponder(rewrite=planter)
    settings = provider_settings(stack, fake)
    services = ProjectServices(settings, stack.sessions, stack.client)

    with production_logging() as logs:
        async with build_worker(stack.client, settings, stack.sessions):
            project = await services.submit(
                "Weather bot with notifications", gates=Gates(spec=True)
            )
            approval, _ = await wait_for_item(services, project.id, "approval")
            # The owner's own process: this worker learns the value only by reading the store.
            owners_store = SopsSecretStore(
                settings.secrets_dir, settings.age_key_file, known=KnownSecrets()
            )
            handle = Handle.secret(project.id, "PLANTED_TOKEN")
            await asyncio.to_thread(owners_store.put, settings.tenant, handle, value)
            await InboxServices(services).answer(approval.id, choice="approve")

            escalation, state = await wait_for_item(services, project.id, "escalation")
            workflow = services.client.get_workflow_handle(f"project-{project.id}")
            history = await decoded_history(
                stack.client, (await workflow.fetch_history()).to_json_dict()
            )
            await services.cancel(project.id)

    # The escalation names the file, the line and the handle; the value nowhere.
    assert planter.line, "the model never wrote the planted file"
    where = f"{PLANTED_FILE}:{planter.line} holds the value of {handle}"
    assert where in escalation.prompt and "not pushed" in escalation.prompt
    assert escalation.stage == "developer" and "retry" in escalation.options
    assert value not in f"{escalation}{state}" and value not in history

    # Models saw the handle where the value stood, in the coding agent's own earlier tool call.
    bodies = [json.dumps(request.body) for request in fake.requests]
    assert bodies and not [body for body in bodies if value in body]
    masked = [body for body in bodies if str(handle) in body]
    assert any('"tools"' in body for body in masked), "no coding-agent request was masked"

    written = logs.getvalue()
    assert value not in written
    assert "prompt_guard_masked" in written and str(handle) in written

    await assert_no_row_holds(stack, settings, project.id, value, handle)
    await assert_forge_never_held(settings, value)
    # The coding agents' transcripts hold the session, tool calls included: masked too.
    transcripts = list(settings.transcripts_dir.rglob("*.jsonl"))
    assert transcripts and any(str(handle) in path.read_text() for path in transcripts)
    assert not [path for path in transcripts if value.encode() in path.read_bytes()]


async def assert_no_row_holds(
    stack: Stack, settings: Settings, project_id: str, value: str, handle: Handle
) -> None:
    async with transaction(stack.sessions) as session:
        rows = await events.list_for_project(
            session=session, tenant_id=settings.tenant, project_id=project_id
        )
    blocked = [row for row in rows if row.kind == "secret_in_branch"]
    assert blocked and str(handle) in blocked[0].message
    assert "pull_request_merged" not in {row.kind for row in rows if PLANTED_FILE in row.message}
    # Every table, the inbox's included, byte for byte (SQLite and its write-ahead log).
    database = settings.data_dir / "orchestrator.db"
    for path in database.parent.glob(f"{database.name}*"):
        assert value.encode() not in path.read_bytes(), path


async def assert_forge_never_held(settings: Settings, value: str) -> None:
    """No ref of the forge's repository, branch or main, ever held the value."""
    [bare] = list(Path(settings.forge_dir).glob("*/*.git"))
    repo = git.Repo.bare(bare)
    pushed = await git.run("log", "-p", "--format=%B", "--all", repo=repo)
    assert value not in pushed
