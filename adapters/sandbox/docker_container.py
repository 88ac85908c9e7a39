"""One sandbox container: how it is created (limits, labels, mounts) and how a command runs
in it (`docker exec` as the image's unprivileged user, output bounded, limits read back)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docker.errors import APIError, NotFound
from docker.types import Mount, Ulimit

from adapters.sandbox._subprocess import OutputTail
from adapters.sandbox.base import LimitName, SandboxOwner
from adapters.sandbox.cgroup import process_breach
from adapters.sandbox.limits import Limits, limit_from_exit
from adapters.sandbox.ownership import GIT_DIR

WORKSPACE = "/workspace"
# An external agent's home: its CLI keeps sessions, caches and config there, which may quote
# its model key. On the container's tmpfs, gone with the container, never in the work tree
# that is committed and pushed.
AGENT_HOME = "/tmp"

# Labels every sandbox container carries; the sweeper finds containers by them.
SANDBOX_LABEL = "orchestrator.sandbox"
WORKER_LABEL = "orchestrator.worker"  # the worker identity (pid-starttime@host) that owns it
DEADLINE_LABEL = "orchestrator.deadline"  # unix time after which no live command needs it
POOL_LABEL = "orchestrator.pool"  # started idle, not yet given to a command
OWNER_LABELS = ("tenant", "project", "task", "workflow", "run")

# The whole environment of a command: nothing from the orchestrator (no keys, no host paths).
COMMAND_ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "HOME": WORKSPACE,
    "LANG": "C.UTF-8",
    "PYTHONDONTWRITEBYTECODE": "1",
    # The workspace belongs to the sandbox's user only while lent; git would otherwise call it
    # "dubious ownership". Command-line-scope config, like bubblewrap's.
    "GIT_CONFIG_COUNT": "1",
    "GIT_CONFIG_KEY_0": "safe.directory",
    "GIT_CONFIG_VALUE_0": WORKSPACE,
}


def owner_labels(owner: SandboxOwner | None) -> dict[str, str]:
    if owner is None:
        return {}
    values = (owner.tenant, owner.project, owner.task, owner.workflow_id, owner.run_id)
    return {f"orchestrator.{key}": value for key, value in zip(OWNER_LABELS, values, strict=True)}


def workspace_mounts(workspace: Path) -> list[Mount]:
    """The work tree read-write, and its `.git` (when there is one) read-only over it."""
    mounts = [Mount(WORKSPACE, str(workspace), type="bind")]
    git = workspace / GIT_DIR
    if git.is_dir() and not git.is_symlink():
        mounts.append(Mount(f"{WORKSPACE}/{GIT_DIR}", str(git), type="bind", read_only=True))
    return mounts


@dataclass(frozen=True)
class ContainerSpec:
    """What every sandbox container is created with, whatever it later runs."""

    image: str
    runtime: str
    limits: Limits
    cpus: float
    labels: Mapping[str, str] = field(default_factory=dict)

    def create(
        self,
        client: Any,
        *,
        mounts: list[Mount],
        labels: Mapping[str, str],
        name: str,
        network: str = "none",
    ) -> Any:
        """A started, idle container (the image's entrypoint waits with no command); `network`
        is "none" except for an external agent given one explicitly (SANDBOX_AGENT_NETWORK)."""
        memory = f"{self.limits.memory_mb}m"
        cpu_time = self.limits.cpu_seconds
        container = client.containers.run(
            self.image,
            detach=True,
            runtime=self.runtime,
            network_mode=network,
            mounts=mounts,
            working_dir=WORKSPACE,
            environment=COMMAND_ENV,
            read_only=True,  # the image stays as built; only the workspace and /tmp are writable
            tmpfs={"/tmp": "rw,nosuid,nodev,size=512m"},
            mem_limit=memory,
            memswap_limit=memory,  # equal: no swap beyond the memory limit
            pids_limit=self.limits.pids_max,
            # A rate, not a total: the CPU-time cap itself is the rlimit, as in bubblewrap.
            nano_cpus=int(self.cpus * 1e9),
            ulimits=[Ulimit(name="cpu", soft=cpu_time, hard=cpu_time + 1)],
            cap_drop=["ALL"],
            security_opt=["no-new-privileges"],
            labels={SANDBOX_LABEL: "1", **self.labels, **labels},
            name=name,
        )
        container.reload()  # the state after the start: its first process's pid
        return container


@dataclass
class Execution:
    """A command running in a container; `wait` blocks (call it from a thread)."""

    client: Any
    container: Any
    user: str
    stdout: OutputTail = field(default_factory=OutputTail)
    stderr: OutputTail = field(default_factory=OutputTail)
    exec_id: str = ""
    extra_env: Mapping[str, str] = field(default_factory=dict, repr=False)

    def wait(self, command: str, argv: list[str] | None = None) -> int | None:
        api = self.client.api
        # An exec's environment lives in the engine's memory only, not in the container's
        # config on disk: the one place a run's model key (extra_env) may be handed over.
        self.exec_id = api.exec_create(
            self.container.id,
            argv or ["/bin/sh", "-c", command],
            user=self.user,
            workdir=WORKSPACE,
            environment={**COMMAND_ENV, **self.extra_env},
        )["Id"]
        # Streamed, so a command printing gigabytes holds only OutputTail's bound in memory.
        for out, err in api.exec_start(self.exec_id, stream=True, demux=True):
            if out:
                self.stdout.feed(out)
            if err:
                self.stderr.feed(err)
        return self.exit_code()

    def exit_code(self) -> int | None:
        if not self.exec_id:
            return None
        with contextlib.suppress(APIError):
            code = self.client.api.exec_inspect(self.exec_id).get("ExitCode")
            return int(code) if code is not None else None
        return None

    def limit_hit(self, exit_code: int) -> LimitName | None:
        """Read before the container is removed: its cgroup counts what the kernel refused."""
        with contextlib.suppress(APIError):
            self.container.reload()
            state = self.container.attrs.get("State", {})
            if state.get("OOMKilled"):
                return "memory"
            if (pid := state.get("Pid")) and (breach := process_breach(int(pid))):
                return breach
        return limit_from_exit(exit_code)

    def breached(self) -> LimitName | None:
        """Polled while the command runs: a fork bomb is stopped, not waited out."""
        with contextlib.suppress(APIError):
            pid = self.container.attrs.get("State", {}).get("Pid")
            if pid:
                return process_breach(int(pid))
        return None


def kill(container: Any) -> None:
    # Killing PID 1 ends every process of the container at once, however it daemonised.
    with contextlib.suppress(APIError, NotFound):
        container.kill()


def remove(container: Any, *, patience_s: float = 10.0) -> None:
    deadline = time.monotonic() + patience_s
    while True:
        try:
            container.remove(force=True)
            return
        except NotFound:
            return
        except APIError:
            # "removal already in progress" or a busy mount: wait for the engine, briefly.
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
