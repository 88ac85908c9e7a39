"""Pick the sandbox backend the settings ask for."""

from __future__ import annotations

import atexit
import shutil
from pathlib import Path

import structlog

from adapters.sandbox.base import Sandbox
from adapters.sandbox.bubblewrap import BubblewrapSandbox
from adapters.sandbox.limits import Limits
from adapters.sandbox.process import ProcessSandbox
from core.errors import ServiceUnavailable
from core.settings import SandboxSettings

log = structlog.get_logger(__name__)


def sandbox_limits(settings: SandboxSettings) -> Limits:
    return Limits(
        pids_max=settings.pids_max,
        memory_mb=settings.memory_mb,
        cpu_seconds=settings.cpu_seconds,
    )


def build_sandbox(
    settings: SandboxSettings, *, slots_dir: Path | None = None, start: bool = True
) -> Sandbox:
    """The backend; a Docker one reaches its engine at once (`start`), so a worker with no
    engine stops here with the reason instead of failing its first task."""
    limits = sandbox_limits(settings)
    if settings.kind == "process":
        return ProcessSandbox(limits=limits)
    if settings.kind == "docker":
        # Imported here so hosts without Docker never load the SDK.
        from adapters.sandbox.docker import DockerSandbox

        docker = DockerSandbox(
            image=settings.docker_image,
            runtime=settings.docker_runtime,
            limits=limits,
            cpus=settings.cpus,
            pool_size=settings.docker_pool_size,
            slots_dir=slots_dir,
            sweep_every_s=settings.docker_sweep_every_s,
        )
        if start:
            docker.start()
            # Idle pool containers go with the process; after a kill -9 the sweeper takes them.
            atexit.register(docker.close)
        return docker
    if settings.kind == "bubblewrap":
        if shutil.which("bwrap") is None:
            raise ServiceUnavailable(
                "SANDBOX_KIND=bubblewrap but `bwrap` is not installed: "
                "install bubblewrap (apt-get install bubblewrap) or choose another SANDBOX_KIND"
            )
        return _bubblewrap(settings, limits)
    return _auto(settings, limits)


def _bubblewrap(settings: SandboxSettings, limits: Limits) -> BubblewrapSandbox:
    return BubblewrapSandbox(uid=settings.uid, gid=settings.gid, limits=limits)


def _auto(settings: SandboxSettings, limits: Limits) -> Sandbox:
    bubblewrap = _bubblewrap(settings, limits)
    if bubblewrap.probe():
        return bubblewrap
    reason = "not installed" if shutil.which("bwrap") is None else "installed but cannot start"
    log.warning(
        "bubblewrap not found: coding agents run as plain subprocesses WITHOUT isolation; "
        "install bubblewrap",
        bwrap=reason,
    )
    return ProcessSandbox(limits=limits)
