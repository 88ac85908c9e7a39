"""A real Docker engine and the worker image for the tests that run containers.

Uses the engine at DOCKER_HOST when one answers, else the project's own (scripts/dockerd.sh)
when it runs; else starts that one and stops it at the end. The image is built once per
machine and then found by its inputs label. No engine and no docker.io: a skip, which fails
under CI=true.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import tarfile
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
        # The project's engine may run already (another session's): use it, leave it running.
        found = subprocess.run([str(SCRIPT), "status"], capture_output=True, text=True)
        if found.returncode != 0:
            found = subprocess.run(
                [str(SCRIPT), "start"], check=True, capture_output=True, text=True
            )
            started = True
        os.environ["DOCKER_HOST"] = found.stdout.strip().rpartition("=")[2]
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


# Writes what its prompt's `FILE:` and `CONTENT:` lines ask for (else a note named after the
# task of a developer's prompt), and beside it which variables it got and its key's digest.
FAKE_AGENT = r"""#!/bin/sh
set -eu
[ "$1" = --prompt ] || { echo "usage: fake-agent --prompt TEXT" >&2; exit 2; }
file="$(printf '%s\n' "$2" | sed -n 's/^FILE: //p')"
content="$(printf '%s\n' "$2" | sed -n 's/^CONTENT: //p')"
if [ -z "$file" ]; then
  task="$(printf '%s\n' "$2" | sed -n 's/^Implement task `\([^`]*\)`.*/\1/p' | head -n 1)"
  file="notes/${task:-task}.md"
  content="$(printf '%s\n' "$2" | grep -m 1 '^Implement task' || true)"
fi
mkdir -p "$(dirname "$file")"
printf '%s\n' "$content" > "$file"
env | cut -d= -f1 | sort > "$file.env"
printf '%s' "${MODEL_KEY:-}" | sha256sum | cut -d' ' -f1 > "$file.key"
echo "wrote $file"
"""

# What a shell and the engine set on their own in any container process (the fake agent's
# variables are these, the sandbox's fixed environment and its key).
SHELL_AND_ENGINE = {"HOSTNAME", "PWD", "SHLVL", "OLDPWD", "_"}


@pytest.fixture(scope="session")
def agent_image(docker_image: str) -> str:
    """The worker image plus a fake CLI coding agent on PATH (`fake-agent --prompt TEXT`), as
    `claude` or `codex` would be installed; rebuilt when the worker image or the script changes."""
    client = connect()
    base = client.images.get(docker_image)
    script = hashlib.sha256(FAKE_AGENT.encode()).hexdigest()[:8]
    tag = f"orchestrator-worker-fake-agent:{base.id.split(':')[1][:12]}-{script}"
    if not client.images.list(name=tag):
        context = io.BytesIO()
        with tarfile.open(fileobj=context, mode="w") as tar:
            for name, text, mode in (
                ("Dockerfile", f"FROM {docker_image}\nCOPY fake-agent /usr/local/bin/\n", 0o644),
                ("fake-agent", FAKE_AGENT, 0o755),
            ):
                info = tarfile.TarInfo(name)
                info.size, info.mode = len(text.encode()), mode
                tar.addfile(info, io.BytesIO(text.encode()))
        context.seek(0)
        client.images.build(fileobj=context, custom_context=True, tag=tag, rm=True)
    return tag
