"""The production backend: one throwaway container per command (Docker, runtime sysbox-runc)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from pathlib import Path
from typing import Any

import docker
import requests
import structlog
from docker.errors import APIError
from docker.types import Ulimit

from adapters.sandbox._subprocess import OutputTail, clean_env, require_workspace
from adapters.sandbox.base import CommandResult, LimitName
from adapters.sandbox.limits import Limits, limit_from_exit

log = structlog.get_logger(__name__)

WORKSPACE = "/workspace"


class DockerSandbox:
    """Runs `/bin/sh -c command` in a fresh container of `image` with no network.

    The Docker SDK is synchronous, so each call runs in a worker thread.
    """

    name = "docker"
    isolated = True

    def __init__(
        self,
        *,
        image: str,
        runtime: str,
        limits: Limits | None = None,
        cpus: float = 1.0,
        client: Any | None = None,
    ) -> None:
        self._image = image
        self._runtime = runtime
        self.limits = limits or Limits()
        self._cpus = cpus
        # Built on first use: constructing the sandbox must not need a reachable engine.
        self._client = client

    def _docker(self) -> Any:
        if self._client is None:
            self._client = docker.from_env()
        return self._client

    async def run(
        self, workspace: Path, command: str, *, timeout_s: float = 300.0
    ) -> CommandResult:
        path = require_workspace(workspace)
        return await asyncio.to_thread(self._run_blocking, path, command, timeout_s)

    def _limit_config(self) -> dict[str, Any]:
        memory = f"{self.limits.memory_mb}m"
        cpu_time = self.limits.cpu_seconds
        return {
            "mem_limit": memory,
            "memswap_limit": memory,  # equal: no swap beyond the memory limit
            "pids_limit": self.limits.pids_max,
            # A rate, not a total: the CPU-time cap itself is the rlimit below, as in bubblewrap.
            "nano_cpus": int(self._cpus * 1e9),
            "ulimits": [Ulimit(name="cpu", soft=cpu_time, hard=cpu_time + 1)],
        }

    @staticmethod
    def _limit_hit(container: Any, exit_code: int) -> LimitName | None:
        with contextlib.suppress(APIError):
            container.reload()
            if container.attrs.get("State", {}).get("OOMKilled"):
                return "memory"
        # The engine keeps no count of refused forks; a fork bomb shows only as its failure.
        return limit_from_exit(exit_code)

    def _run_blocking(self, workspace: Path, command: str, timeout_s: float) -> CommandResult:
        started = time.monotonic()
        container = self._docker().containers.run(
            self._image,
            ["/bin/sh", "-c", command],
            detach=True,
            runtime=self._runtime,
            network_mode="none",
            volumes={str(workspace): {"bind": WORKSPACE, "mode": "rw"}},
            working_dir=WORKSPACE,
            environment=clean_env(home=WORKSPACE),
            read_only=True,  # the image stays as built; only the workspace and /tmp are writable
            tmpfs={"/tmp": "rw,size=512m"},
            **self._limit_config(),
            security_opt=["no-new-privileges"],
        )
        # Removed explicitly instead of auto_remove: the daemon may delete an auto-removed
        # container before its logs are read.
        try:
            timed_out = False
            try:
                exit_code = int(container.wait(timeout=timeout_s)["StatusCode"])
            except requests.exceptions.RequestException:
                # docker-py signals a wait timeout as ReadTimeout or ConnectionError.
                timed_out = True
                exit_code = -9
                with contextlib.suppress(APIError):
                    container.kill()
            stdout, stderr = OutputTail(), OutputTail()
            stdout.feed(container.logs(stdout=True, stderr=False))
            stderr.feed(container.logs(stdout=False, stderr=True))
            limit = self._limit_hit(container, exit_code)
            if limit is not None:
                stderr.feed(f"\n[sandbox: {self.limits.describe(limit)}]\n".encode())
        finally:
            try:
                container.remove(force=True)
            except APIError as exc:
                log.warning(
                    "sandbox_container_remove_failed", container=container.id, error=str(exc)
                )
        return CommandResult(
            exit_code=exit_code,
            stdout=stdout.text(),
            stderr=stderr.text(),
            duration_s=time.monotonic() - started,
            timed_out=timed_out,
            limit=limit,
        )
