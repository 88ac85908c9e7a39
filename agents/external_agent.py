"""An external CLI coding agent (Claude Code, Codex CLI, aider, Factory droid…), opt-in.

Instead of the built-in loop, whose model stays outside the sandbox, the task's prompt is
given to a CLI agent that runs inside the worker container with the work tree, by a command
template from settings. Such an agent talks to its model provider itself, so its container
joins a network only when one is named (SANDBOX_AGENT_NETWORK) and gets the model key as one
variable resolved for that run; nothing else of the orchestrator reaches it.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import structlog

from adapters.llm.base import ChatMessage
from adapters.sandbox.agent_network import refuse_shared_network
from adapters.sandbox.base import CommandResult, SandboxOwner
from agents.coding_agent import CodingResult
from agents.text import tail
from core.errors import InvalidInput
from core.handles import Handle
from core.known_secrets import KNOWN_SECRETS
from core.settings import CostSettings, SandboxSettings
from core.vocabulary import CodingStop

log = structlog.get_logger(__name__)

PROMPT_FIELD = "{prompt}"
MAX_SUMMARY_CHARS = 2_000
_SKIPPED_DIRS = {
    ".git",
    ".venv",
    "node_modules",
    "__pycache__",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
}


class AgentSandbox(Protocol):
    """A sandbox that can run an agent with a network and a key (the Docker one)."""

    async def run_agent(
        self,
        workspace: Path,
        command: str,
        *,
        env: Mapping[str, str],
        network: str = "",
        timeout_s: float = 1800.0,
        owner: SandboxOwner | None = None,
    ) -> CommandResult: ...


@dataclass(frozen=True)
class ExternalAgent:
    template: str  # e.g. "claude -p {prompt}"
    network: str = ""  # a Docker network name; empty: none
    key_handle: Handle | None = field(default=None, repr=False)
    key_env: str = ""
    timeout_s: float = 1500.0

    @property
    def program(self) -> str:
        """What the logs and events name it by: the template's first word, never its prompt."""
        return self.template.split()[0]

    def command(self, prompt: str) -> str:
        return self.template.replace(PROMPT_FIELD, shlex.quote(prompt))


def external_agent(settings: SandboxSettings) -> ExternalAgent | None:
    """The configured agent, None for the built-in one; a half-made configuration is refused
    at startup with what is missing."""
    if not settings.agent_command.strip():
        if settings.agent_key_handle or settings.agent_network:
            raise InvalidInput(
                "SANDBOX_AGENT_KEY_HANDLE / SANDBOX_AGENT_NETWORK are for an external coding "
                "agent: set SANDBOX_AGENT_COMMAND too, or unset them"
            )
        return None
    if settings.kind != "docker":
        raise InvalidInput(
            "SANDBOX_AGENT_COMMAND runs a CLI agent in the worker container: it needs "
            f"SANDBOX_KIND=docker (not {settings.kind})"
        )
    if PROMPT_FIELD not in settings.agent_command:
        raise InvalidInput(
            f"SANDBOX_AGENT_COMMAND must say where the prompt goes with {PROMPT_FIELD}, "
            "e.g. `claude -p {prompt}`"
        )
    if bool(settings.agent_key_handle) != bool(settings.agent_key_env):
        raise InvalidInput(
            "SANDBOX_AGENT_KEY_HANDLE (a secret:// handle) and SANDBOX_AGENT_KEY_ENV (the "
            "variable the agent reads it from, e.g. ANTHROPIC_API_KEY) go together"
        )
    refuse_shared_network(settings.agent_network)
    handle = Handle.parse(settings.agent_key_handle) if settings.agent_key_handle else None
    if handle is not None and handle.kind != "secret":
        raise InvalidInput("SANDBOX_AGENT_KEY_HANDLE must be a secret:// handle")
    return ExternalAgent(
        template=settings.agent_command.strip(),
        network=settings.agent_network,
        key_handle=handle,
        key_env=settings.agent_key_env,
        timeout_s=settings.agent_timeout_s,
    )


def refuse_unmetered_budgets(agent: ExternalAgent | None, costs: CostSettings) -> None:
    """A CLI agent pays its provider itself and reports no tokens, so a budget could not stop
    it: a worker told to enforce one (COSTS_*_BUDGET_USD) with such an agent refuses to start
    rather than promise a limit it cannot keep."""
    if agent is None:
        return
    budgets = [
        name
        for name, value in (
            ("COSTS_PROJECT_BUDGET_USD", costs.project_budget_usd),
            ("COSTS_TENANT_BUDGET_USD", costs.tenant_budget_usd),
        )
        if value is not None
    ]
    if budgets:
        raise InvalidInput(
            f"{' and '.join(budgets)} cannot be kept with SANDBOX_AGENT_COMMAND: an external "
            "agent's model spend is not metered (it pays its provider itself), so no budget "
            "covers it. Unset the budget, or the agent command to use the built-in agent"
        )


def agent_prompt(messages: list[ChatMessage]) -> str:
    """The built-in agent's instructions and brief as one text, secrets masked by handle."""
    text = "\n\n".join(m.content for m in messages if m.role in ("system", "user"))
    return KNOWN_SECRETS.replace(text)


async def run_external_agent(
    *,
    agent: ExternalAgent,
    sandbox: AgentSandbox,
    workspace: Path,
    messages: list[ChatMessage],
    key: str | None,
    owner: SandboxOwner | None = None,
    on_step: Callable[[str], None] | None = None,
) -> CodingResult:
    """One run of the agent over the work tree; the caller commits what it leaves."""
    # Hashing a big tree takes a while: off the event loop, so the activity's heartbeat runs.
    before = await asyncio.to_thread(_snapshot, workspace)
    if on_step is not None:
        on_step(f"external agent {agent.program} started")
    env = {agent.key_env: key} if agent.key_env and key else {}
    result = await sandbox.run_agent(
        workspace,
        agent.command(agent_prompt(messages)),
        env=env,
        network=agent.network,
        timeout_s=agent.timeout_s,
        owner=owner,
    )
    after = await asyncio.to_thread(_snapshot, workspace)
    changed = sorted(path for path, digest in after.items() if before.get(path) != digest)
    changed += sorted(set(before) - set(after))
    # What the agent printed may quote its key or another secret: masked before it is kept.
    said = KNOWN_SECRETS.replace(tail(result.stdout or result.stderr, MAX_SUMMARY_CHARS)).strip()
    if result.ok:
        summary = said or f"{agent.program} finished"
    else:
        why = "timed out" if result.timed_out else f"exited {result.exit_code}"
        stderr = KNOWN_SECRETS.replace(tail(result.stderr, MAX_SUMMARY_CHARS)).strip()
        summary = f"{agent.program} {why}: {stderr or said}"
    log.info(
        "external_agent_done",
        agent=agent.program,
        ok=result.ok,
        exit_code=result.exit_code,
        files=len(changed),
        seconds=round(result.duration_s, 1),
    )
    stop: CodingStop = (
        "finished" if result.ok else "agent_timeout" if result.timed_out else "agent_failed"
    )
    return CodingResult(
        finished=result.ok,
        summary=summary,
        steps=1,
        files_written=changed,
        last_test=None,
        stop=stop,
    )


def _snapshot(root: Path) -> dict[str, str]:
    """Each file's digest by path, without git's own directory and tool caches (git ignores
    those the template lists anyway; hashing a virtualenv would take longest of all)."""
    files: dict[str, str] = {}
    for folder, dirs, names in os.walk(root):
        dirs[:] = [name for name in dirs if name not in _SKIPPED_DIRS]
        for name in names:
            path = Path(folder, name)
            if path.is_symlink() or not path.is_file():
                continue
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            files[path.relative_to(root).as_posix()] = digest
    return files
