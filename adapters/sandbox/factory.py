"""Pick the sandbox backend the settings ask for."""

from __future__ import annotations

import shutil

import structlog

from adapters.sandbox.base import Sandbox
from adapters.sandbox.bubblewrap import BubblewrapSandbox
from adapters.sandbox.process import ProcessSandbox
from core.errors import ServiceUnavailable
from core.settings import SandboxSettings

log = structlog.get_logger(__name__)


def build_sandbox(settings: SandboxSettings) -> Sandbox:
    if settings.kind == "process":
        return ProcessSandbox()
    if settings.kind == "docker":
        # Imported here so hosts without Docker never load the SDK.
        from adapters.sandbox.docker import DockerSandbox

        return DockerSandbox(image=settings.docker_image, runtime=settings.docker_runtime)
    if settings.kind == "bubblewrap":
        if shutil.which("bwrap") is None:
            raise ServiceUnavailable(
                "SANDBOX_KIND=bubblewrap but `bwrap` is not installed: "
                "install bubblewrap (apt-get install bubblewrap) or choose another SANDBOX_KIND"
            )
        return BubblewrapSandbox()
    return _auto()


def _auto() -> Sandbox:
    bubblewrap = BubblewrapSandbox()
    if bubblewrap.probe():
        return bubblewrap
    reason = "not installed" if shutil.which("bwrap") is None else "installed but cannot start"
    log.warning(
        "bubblewrap not found: coding agents run as plain subprocesses WITHOUT isolation; "
        "install bubblewrap",
        bwrap=reason,
    )
    return ProcessSandbox()
