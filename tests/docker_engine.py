"""A real Docker engine and the worker image for the tests that run containers.

Uses the engine at DOCKER_HOST when one answers; else starts the project's own
(scripts/dockerd.sh) and stops it at the end. The image is built once per machine and then
found by its inputs label. No engine and no docker.io: a skip, which fails under CI=true.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.sandbox.docker import DockerSandbox
from adapters.sandbox.docker_engine import connect
from adapters.sandbox.docker_image import ImageBuilder
from adapters.sandbox.limits import Limits
from core.errors import ServiceUnavailable

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "dockerd.sh"
IMAGE = "orchestrator-worker:latest"


@pytest.fixture(scope="session")
def docker_image() -> Iterator[str]:
    """The worker image's tag on an engine that answers (DOCKER_HOST set for the session)."""
    started = False
    try:
        client = connect(timeout_s=3)
    except ServiceUnavailable:
        if shutil.which("dockerd") is None:
            pytest.skip("no Docker engine answers and docker.io is not installed")
        out = subprocess.run([str(SCRIPT), "start"], check=True, capture_output=True, text=True)
        os.environ["DOCKER_HOST"] = out.stdout.strip().rpartition("=")[2]
        started = True
        client = connect()
    ImageBuilder(client, tag=IMAGE, work_dir=Path("/var/tmp")).ensure()
    yield IMAGE
    if started:
        subprocess.run([str(SCRIPT), "stop"], check=False, capture_output=True)


def docker_sandbox(
    image: str, slots_dir: Path, *, limits: Limits | None = None, pool_size: int = 2
) -> DockerSandbox:
    """A started Docker sandbox on runc (Sysbox is not installable here); close() it."""
    sandbox = DockerSandbox(
        image=image, runtime="runc", limits=limits, pool_size=pool_size, slots_dir=slots_dir
    )
    sandbox.start()
    return sandbox
