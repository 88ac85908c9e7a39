"""An external CLI coding agent run by its command template in the worker container.

The agent is a tiny shell script baked into an image built on the worker image at test time
(as `claude` or `codex` would be installed): it writes the file its prompt asks for and
reports which variables it was given. The real Docker sandbox runs it; the model key comes
from the real secret store by handle.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from adapters.llm.base import ChatMessage
from adapters.sandbox.docker_container import COMMAND_ENV, POOL_LABEL, SANDBOX_LABEL
from adapters.sandbox.docker_engine import connect
from adapters.secrets.sops import SopsSecretStore
from agents.external_agent import ExternalAgent, external_agent, run_external_agent
from core.errors import InvalidInput, ServiceUnavailable
from core.handles import Handle
from core.settings import SandboxSettings
from tests.docker_engine import SHELL_AND_ENGINE, docker_sandbox
from tests.github_forge import secret_store
from tests.log_capture import production_logging

TEMPLATE = "fake-agent --prompt {prompt}"
TENANT = "t1"
KEY = Handle.secret("_", "MODEL_KEY")


@pytest.fixture
def store(tmp_path: Path) -> SopsSecretStore:
    return secret_store(tmp_path / "secrets")


async def test_the_agent_edits_the_work_tree_with_only_its_model_key_in_its_environment(
    agent_image: str, tmp_path: Path, store: SopsSecretStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Orchestrator keys in the worker's own environment: none may reach the agent.
    monkeypatch.setenv("LLM_API_KEY", "sk-orchestrator-planted-1")
    monkeypatch.setenv("FORGE_GITHUB_TOKEN_HANDLE", "secret://_/GITHUB_TOKEN")
    key = "sk-model-key-for-this-run-42"
    store.put(TENANT, KEY, key)
    settings = SandboxSettings(
        kind="docker", agent_command=TEMPLATE, agent_key_handle=str(KEY), agent_key_env="MODEL_KEY"
    )
    agent = external_agent(settings)
    assert agent is not None
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "README.md").write_text("# app\n")
    messages = [
        ChatMessage("system", "You are a coding agent. Quotes ' \" and $HOME stay as written."),
        ChatMessage("user", 'Write the greeting.\nFILE: hello.txt\nCONTENT: it\'s "$HOME" `x`'),
    ]
    sandbox = docker_sandbox(agent_image, tmp_path / "slots")
    try:
        with production_logging() as logs:
            result = await run_external_agent(
                agent=agent,
                sandbox=sandbox,
                workspace=workspace,
                messages=messages,
                key=store.get(TENANT, agent.key_handle),  # type: ignore[arg-type]
            )
    finally:
        sandbox.close()

    assert result.finished, result.summary
    # The template ran with the prompt as one argument, quotes and all, in the work tree.
    assert (workspace / "hello.txt").read_text() == 'it\'s "$HOME" `x`\n'
    assert result.files_written == ["hello.txt", "hello.txt.env", "hello.txt.key"]
    assert "wrote hello.txt" in result.summary
    # Exactly the fixed sandbox environment plus the one key variable, with the key's value.
    names = set((workspace / "hello.txt.env").read_text().split())
    assert "MODEL_KEY" in names
    assert names - SHELL_AND_ENGINE == set(COMMAND_ENV) | {"MODEL_KEY"}
    digest = (workspace / "hello.txt.key").read_text().strip()
    assert digest == hashlib.sha256(key.encode()).hexdigest()
    assert key not in logs.getvalue() and key not in result.summary
    assert "sk-orchestrator-planted-1" not in (workspace / "hello.txt.env").read_text()
    # And its container (never a pool one: those have no network) is gone.
    left = connect().containers.list(all=True, filters={"label": SANDBOX_LABEL})
    assert not [c for c in left if POOL_LABEL not in c.labels and agent_image in c.image.tags]


async def test_without_a_network_setting_the_agent_has_no_network(
    agent_image: str, tmp_path: Path
) -> None:
    agent = ExternalAgent(template="cat /proc/net/dev > net.txt; : {prompt}")
    workspace = tmp_path / "ws"
    workspace.mkdir()
    sandbox = docker_sandbox(agent_image, tmp_path / "slots", pool_size=0)
    try:
        result = await run_external_agent(
            agent=agent,
            sandbox=sandbox,
            workspace=workspace,
            messages=[ChatMessage("user", "look around")],
            key=None,
        )
        with pytest.raises(ServiceUnavailable, match="no such network"):
            await sandbox.run_agent(workspace, "true", env={}, network="no-such-net-sb2")
        with pytest.raises(InvalidInput, match="reach the worker's own services"):
            await sandbox.run_agent(workspace, "true", env={}, network="host")
    finally:
        sandbox.close()

    assert result.finished, result.summary
    interfaces = [
        line.split(":")[0].strip() for line in (workspace / "net.txt").read_text().splitlines()[2:]
    ]
    assert interfaces == ["lo"]


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (SandboxSettings(kind="bubblewrap", agent_command=TEMPLATE), "SANDBOX_KIND=docker"),
        (SandboxSettings(kind="docker", agent_command="claude -p"), "{prompt}"),
        (
            SandboxSettings(kind="docker", agent_command=TEMPLATE, agent_key_env="MODEL_KEY"),
            "go together",
        ),
        (SandboxSettings(kind="docker", agent_network="llm"), "SANDBOX_AGENT_COMMAND"),
        (
            SandboxSettings(kind="docker", agent_command=TEMPLATE, agent_network="host"),
            "reach the worker's own services",
        ),
        (
            SandboxSettings(kind="docker", agent_command=TEMPLATE, agent_network="container:db"),
            "reach the worker's own services",
        ),
    ],
)
def test_a_half_made_agent_configuration_is_refused_with_what_is_missing(
    settings: SandboxSettings, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message.replace("{", r"\{").replace("}", r"\}")):
        external_agent(settings)


def test_the_built_in_agent_is_the_default() -> None:
    assert external_agent(SandboxSettings(kind="docker")) is None


async def test_an_agent_that_exits_non_zero_is_reported_failed_not_finished(
    agent_image: str, tmp_path: Path
) -> None:
    agent = ExternalAgent(
        template="echo partial > notes.md; echo 'no credit' >&2; exit 3; : {prompt}"
    )
    workspace = tmp_path / "ws"
    workspace.mkdir()
    sandbox = docker_sandbox(agent_image, tmp_path / "slots", pool_size=0)
    try:
        result = await run_external_agent(
            agent=agent,
            sandbox=sandbox,
            workspace=workspace,
            messages=[ChatMessage("user", "write notes")],
            key=None,
        )
    finally:
        sandbox.close()

    assert (result.finished, result.stop) == (False, "agent_failed")
    assert "exited 3" in result.summary and "no credit" in result.summary
    assert result.files_written == ["notes.md"]
