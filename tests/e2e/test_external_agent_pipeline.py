"""The pipeline with an external CLI coding agent (SANDBOX_AGENT_COMMAND) instead of the
built-in one: each developer's branch holds what the agent left in the work tree, the agent got
the model key from its handle for the run, and the key is in no history, event or log line.

The fake agent only writes a note per task, so the reviewer (rightly) never approves: the
project ends at the escalation that follows the last review round, and is cancelled there."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

import pytest
from temporalio.client import WorkflowFailureError

from adapters.sandbox.docker_container import COMMAND_ENV
from adapters.secrets.factory import build_secret_store
from core.handles import Handle
from core.settings import SandboxSettings
from db.engine import transaction
from db.repositories import events
from tests.decoded_history import decoded_history
from tests.docker_engine import SHELL_AND_ENGINE
from tests.fakes.github_git import git
from tests.log_capture import production_logging
from tests.stack import Stack
from worker.composition import build_worker
from workflows.project import ProjectWorkflow

KEY = "sk-agent-key-pipeline-7f3a"


async def test_developers_run_the_configured_cli_agent_with_its_key_and_nothing_else(
    stack: Stack, agent_image: str
) -> None:
    handle = Handle.secret("_", "MODEL_KEY")
    build_secret_store(stack.settings).put(stack.settings.tenant, handle, KEY)
    sandbox = SandboxSettings(
        kind="docker",
        docker_runtime="runc",
        docker_image=agent_image,
        agent_command="fake-agent --prompt {prompt}",
        agent_key_handle=str(handle),
        agent_key_env="MODEL_KEY",
    )
    settings = stack.settings.model_copy(update={"sandbox": sandbox})

    with production_logging() as logs:
        async with build_worker(stack.client, settings, stack.sessions):
            project = await stack.services.submit("Weather bot with notifications")
            handle_ = stack.services.handle(project)
            while not (state := await handle_.query(ProjectWorkflow.status)).open_items():
                await asyncio.sleep(0.2)
            await stack.services.cancel(project.id)
            with pytest.raises(WorkflowFailureError):
                await handle_.result()
            history = await decoded_history(
                stack.client, (await handle_.fetch_history()).to_json_dict()
            )

    (escalation,) = state.open_items()
    assert escalation.kind == "escalation" and "Review rounds exhausted" in escalation.prompt
    stored = await stack.services.get(project.id)
    assert stored.repository_url is not None
    bare = Path(stored.repository_url.removeprefix("file://"))
    branches = git("for-each-ref", "--format=%(refname:short)", "refs/heads/task/", git_dir=bare)
    tasks = sorted(b.removeprefix("task/") for b in branches.split())
    assert len(tasks) == 3, branches
    for task in tasks:
        note = git("show", f"task/{task}:notes/{task}.md", git_dir=bare)
        assert note.startswith(f"Implement task `{task}`")
        digest = git("show", f"task/{task}:notes/{task}.md.key", git_dir=bare)
        assert digest.strip() == hashlib.sha256(KEY.encode()).hexdigest()
        variables = set(git("show", f"task/{task}:notes/{task}.md.env", git_dir=bare).split())
        assert variables - SHELL_AND_ENGINE == set(COMMAND_ENV) | {"MODEL_KEY"}
    async with transaction(stack.sessions) as session:
        rows = await events.list_for_project(
            session=session, tenant_id=stored.tenant_id, project_id=project.id
        )
    text = logs.getvalue() + history + "".join(f"{e.message}{e.payload}" for e in rows)
    assert "fake-agent" in logs.getvalue()
    assert KEY not in text
