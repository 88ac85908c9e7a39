"""The production backend: each command in a container of its own (Docker; runtime sysbox-runc
in production, runc where Sysbox is not installed), taken warm from a pool when one is ready.

A container serves one command and is removed right after it, also on a timeout, a limit or a
cancel: nothing a command started can outlive it, and a task that ends leaves no container.
"""

from __future__ import annotations

import asyncio
import os
import re
import threading
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import structlog
from docker.errors import ImageNotFound
from docker.errors import NotFound as DockerNotFound

from adapters.sandbox._subprocess import require_workspace
from adapters.sandbox.agent_network import refuse_shared_network
from adapters.sandbox.base import CommandResult, SandboxOwner
from adapters.sandbox.docker_container import (
    AGENT_HOME,
    DEADLINE_LABEL,
    WORKER_LABEL,
    ContainerSpec,
    Execution,
    kill,
    owner_labels,
    remove,
    workspace_mounts,
)
from adapters.sandbox.docker_engine import connect
from adapters.sandbox.docker_pool import Slot, WarmPool
from adapters.sandbox.docker_sweeper import sweep
from adapters.sandbox.limits import Limits
from adapters.sandbox.ownership import lent_to
from core.errors import ServiceUnavailable
from core.pid_files import worker_identity

log = structlog.get_logger(__name__)
T = TypeVar("T")

# A command's container outlives its timeout by this much at most before a sweeper takes it.
_DEADLINE_GRACE_S = 120
_BREACH_POLL_S = 0.2
# The image's entrypoint; its `agent` mode runs an external coding agent's command.
AGENT_ENTRYPOINT = "/opt/orchestrator/entrypoint.sh"


@dataclass(frozen=True)
class Run:
    """What one container runs: a shell command (or argv), with what only this run gets."""

    command: str
    argv: list[str] | None = None
    env: Mapping[str, str] = field(default_factory=dict, repr=False)  # never in a repr
    network: str = "none"
    pooled: bool = True  # may take a warm container (those have no network, a shared /tmp)


class DockerSandbox:
    """Runs `/bin/sh -c command` with `docker exec` in a fresh container: no network, read-only
    root, the work tree at /workspace, the image's unprivileged user, no orchestrator env."""

    name = "docker"
    isolated = True

    def __init__(
        self,
        *,
        image: str,
        runtime: str,
        limits: Limits | None = None,
        cpus: float = 1.0,
        pool_size: int = 0,
        slots_dir: Path | None = None,
        sweep_every_s: float = 30.0,
    ) -> None:
        self.limits = limits or Limits()
        self.identity = worker_identity(os.getpid())
        self._spec = ContainerSpec(image, runtime, self.limits, cpus)
        self._pool_size = pool_size if slots_dir is not None else 0
        self._slots_dir = slots_dir
        self._sweep_every_s = sweep_every_s
        # The SDK blocks; commands may run by the dozen, so they get threads of their own
        # instead of starving asyncio's small default pool (git, files) in the worker.
        self._threads = ThreadPoolExecutor(max_workers=64, thread_name_prefix="sandbox")
        self._client: Any = None
        self._pool: WarmPool | None = None
        self._stopped = threading.Event()
        self.user = ""

    def start(self) -> None:
        """Reach the engine, check the image, sweep what dead workers left, fill the pool."""
        self._client = connect()
        try:
            image = self._client.images.get(self._spec.image)
        except ImageNotFound:
            raise ServiceUnavailable(
                f"the worker image {self._spec.image} is not on the engine: build it with "
                "`orchestrator image build` (or worker_image/build.sh)"
            ) from None
        self.user = _unprivileged_user(image, self._spec.image)
        runtimes = self._client.info().get("Runtimes", {})
        if self._spec.runtime not in runtimes:
            raise ServiceUnavailable(
                f"the Docker engine has no runtime {self._spec.runtime!r} (it has: "
                f"{', '.join(sorted(runtimes))}); install it (Sysbox: see the README) or set "
                "SANDBOX_DOCKER_RUNTIME"
            )
        sweep(self._client, slots_root=self._slots_dir)
        threading.Thread(target=self._sweep_forever, name="sandbox-sweeper", daemon=True).start()
        if self._pool_size and os.geteuid() == 0 and self._slots_dir is not None:
            self._pool = WarmPool(
                self._client,
                self._spec,
                size=self._pool_size,
                root=self._slots_dir,
                worker=self.identity,
            )
            self._pool.start()
        elif self._pool_size:
            log.warning("sandbox_pool_off", reason="a warm pool needs a root worker")

    def close(self) -> None:
        """Remove the idle pool; commands still running remove their own containers."""
        self._stopped.set()
        if self._pool is not None:
            self._pool.close()
        self._threads.shutdown(wait=False, cancel_futures=True)

    @property
    def client(self) -> Any:
        return self._client

    def idle(self) -> int:
        return self._pool.idle() if self._pool is not None else 0

    async def run(
        self,
        workspace: Path,
        command: str,
        *,
        timeout_s: float = 300.0,
        owner: SandboxOwner | None = None,
    ) -> CommandResult:
        return await self._run(workspace, Run(command), timeout_s, owner)

    async def run_agent(
        self,
        workspace: Path,
        command: str,
        *,
        env: Mapping[str, str],
        network: str = "",
        timeout_s: float = 1800.0,
        owner: SandboxOwner | None = None,
    ) -> CommandResult:
        """An external coding agent: the image's entrypoint runs `command` (its `agent` mode)
        in a fresh container that joins `network` (none when empty) and whose one process gets
        `env` (a model key) on top of the fixed environment, HOME on the container's own
        tmpfs. Never from the pool: a fresh container, so nothing it left in /tmp outlives it."""
        if self._client is None:
            await self._call(self.start)
        if network:
            refuse_shared_network(network)
            await self._call(self._require_network, network)
        argv = [AGENT_ENTRYPOINT, "agent", command]
        run = Run(command, argv, {**env, "HOME": AGENT_HOME}, network or "none", pooled=False)
        return await self._run(workspace, run, timeout_s, owner)

    async def _run(
        self, workspace: Path, run: Run, timeout_s: float, owner: SandboxOwner | None
    ) -> CommandResult:
        if self._client is None:
            await self._call(self.start)
        path = require_workspace(workspace)
        uid, gid = (int(part) for part in self.user.split(":"))
        with lent_to(path, uid=uid, gid=gid):
            container, slot = await self._call(self._acquire, path, owner, timeout_s, run)
            try:
                return await self._execute(container, run, timeout_s)
            finally:
                # Shielded: a second cancel must not leave the container behind.
                await asyncio.shield(self._call(self._release, container, slot))

    def _require_network(self, network: str) -> None:
        try:
            self._client.networks.get(network)
        except DockerNotFound:
            raise ServiceUnavailable(
                f"SANDBOX_AGENT_NETWORK={network!r}: the Docker engine has no such network "
                f"(create it: docker network create {network})"
            ) from None

    async def _call(self, fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._threads, partial(fn, *args))

    def _acquire(
        self, workspace: Path, owner: SandboxOwner | None, timeout_s: float, run: Run
    ) -> tuple[Any, Slot | None]:
        pooled = self._pool is not None and run.pooled and run.network == "none"
        slot = self._pool.claim() if pooled and self._pool is not None else None
        if slot is not None:
            slot.attach(workspace)
            if owner is not None:  # labels are fixed at creation; the name says whose it is
                slot.container.rename(f"{_owner_name(owner)}-{slot.path.name[:8]}")
            return slot.container, slot
        labels = {
            WORKER_LABEL: self.identity,
            DEADLINE_LABEL: str(int(time.time() + timeout_s + _DEADLINE_GRACE_S)),
            **owner_labels(owner),
        }
        suffix = os.urandom(4).hex()
        name = f"{_owner_name(owner)}-{suffix}" if owner else f"orchestrator-cmd-{suffix}"
        container = self._spec.create(
            self._client,
            mounts=workspace_mounts(workspace),
            labels=labels,
            name=name,
            network=run.network,
        )
        return container, None

    @staticmethod
    def _release(container: Any, slot: Slot | None) -> None:
        if slot is not None:
            slot.release()
            return
        kill(container)
        remove(container)

    async def _execute(self, container: Any, run: Run, timeout_s: float) -> CommandResult:
        started = time.monotonic()
        execution = Execution(self._client, container, self.user, extra_env=run.env)
        waiting = asyncio.ensure_future(self._call(execution.wait, run.command, run.argv))
        timed_out, limit = False, None
        try:
            async with asyncio.timeout(timeout_s):
                limit = await _watch(execution, waiting)
        except TimeoutError:
            timed_out = True
        finally:
            # At once, also when the caller is cancelled: the container dies with the command.
            await asyncio.shield(self._call(kill, container))
            await asyncio.wait({waiting}, timeout=2.0)
        exit_code = execution.exit_code()
        exit_code = -9 if exit_code is None else exit_code
        limit = limit or await self._call(execution.limit_hit, exit_code)
        if limit is not None:
            execution.stderr.feed(f"\n[sandbox: {self.limits.describe(limit)}]\n".encode())
        return CommandResult(
            exit_code=exit_code,
            stdout=execution.stdout.text(),
            stderr=execution.stderr.text(),
            duration_s=time.monotonic() - started,
            timed_out=timed_out,
            limit=limit,
        )

    def _sweep_forever(self) -> None:
        while not self._stopped.wait(self._sweep_every_s):
            try:
                sweep(self._client, slots_root=self._slots_dir)
            except Exception as exc:  # an engine restart must not end the sweeping
                log.warning("sandbox_sweep_failed", error=str(exc))


async def _watch(execution: Execution, waiting: asyncio.Future[Any]) -> Any:
    """Until the command ends (None) or its container's cgroup records a breached limit."""
    while True:
        done, _ = await asyncio.wait({waiting}, timeout=_BREACH_POLL_S)
        if done:
            return None
        if (breach := execution.breached()) is not None:
            return breach


def _unprivileged_user(image: Any, tag: str) -> str:
    """The image's `uid:gid`; an image that would run commands as root is refused."""
    user = str(image.attrs.get("Config", {}).get("User") or "")
    if not re.fullmatch(r"[1-9][0-9]*:[1-9][0-9]*", user):
        raise ServiceUnavailable(
            f"the worker image {tag} must name a numeric non-root USER uid:gid "
            f"(worker_image/Dockerfile does), not {user or 'none (root)'!r}"
        )
    return user


def _owner_name(owner: SandboxOwner | None) -> str:
    if owner is None:
        return "orchestrator-cmd"
    raw = f"orchestrator-{owner.project}-{owner.task}-{owner.run_id[:8]}"
    return re.sub(r"[^a-zA-Z0-9_.-]", "-", raw)[:100]
