"""The unisolated backend: a plain subprocess with a clean environment, for hosts without bwrap."""

from __future__ import annotations

from pathlib import Path

from adapters.sandbox._subprocess import clean_env, require_workspace, run_command
from adapters.sandbox.base import CommandResult, SandboxOwner
from adapters.sandbox.limits import Limits


class ProcessSandbox:
    """Runs `/bin/sh -c command` in the workspace; only the environment is sandboxed.

    The command sees the workspace's real path as its cwd and HOME (there is no /workspace here),
    and can read and write anything the orchestrator's user can. The same limits hold as in
    bubblewrap: a cgroup where the worker may make one, else the rlimit floor.
    """

    name = "process"
    isolated = False

    def __init__(self, *, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()

    async def run(
        self,
        workspace: Path,
        command: str,
        *,
        timeout_s: float = 300.0,
        owner: SandboxOwner | None = None,  # nothing outlives the command here to label
    ) -> CommandResult:
        cwd = require_workspace(workspace)
        return await run_command(
            ["/bin/sh", "-c", command],
            cwd=cwd,
            env=clean_env(home=str(cwd)),
            timeout_s=timeout_s,
            limits=self.limits,
        )
