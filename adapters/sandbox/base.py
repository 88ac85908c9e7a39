"""The sandbox interface: run a command in an isolated workspace."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

# The caps every sandboxed command runs under; a result names the one that stopped it.
LimitName = Literal["pids", "memory", "cpu"]


@dataclass(frozen=True)
class CommandResult:
    exit_code: int
    stdout: str
    stderr: str
    duration_s: float
    timed_out: bool = False
    limit: LimitName | None = None

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.timed_out and self.limit is None


@dataclass(frozen=True)
class SandboxOwner:
    """Whose command it is: labels on a container, so a sweeper can tell whose run it was."""

    tenant: str
    project: str
    task: str
    workflow_id: str = ""
    run_id: str = ""


class Sandbox(Protocol):
    """Runs shell commands with `workspace` read-write at /workspace and nothing else writable.

    No network, no orchestrator secrets in the environment. `python3` (the standard library
    only) is on PATH inside.
    """

    name: str
    isolated: bool

    async def run(
        self,
        workspace: Path,
        command: str,
        *,
        timeout_s: float = 300.0,
        owner: SandboxOwner | None = None,
    ) -> CommandResult: ...
