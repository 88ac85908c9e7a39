"""The sandboxes the benchmarks compare, built the way the worker builds them (runc here)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from adapters.sandbox.base import Sandbox
from adapters.sandbox.bubblewrap import BubblewrapSandbox
from adapters.sandbox.docker import DockerSandbox
from adapters.sandbox.docker_engine import connect
from adapters.sandbox.docker_image import ImageBuilder

IMAGE = "orchestrator-worker:latest"


@contextmanager
def backends(*, pool_size: int) -> Iterator[dict[str, Sandbox]]:
    """bubblewrap, Docker with no pool (cold), Docker with a warm pool of `pool_size`."""
    ImageBuilder(connect(), tag=IMAGE).ensure()
    with tempfile.TemporaryDirectory(prefix="bench-slots-") as slots:
        cold = DockerSandbox(image=IMAGE, runtime="runc", slots_dir=Path(slots), pool_size=0)
        warm = DockerSandbox(
            image=IMAGE, runtime="runc", slots_dir=Path(slots), pool_size=pool_size
        )
        cold.start()
        warm.start()
        try:
            yield {"bubblewrap": BubblewrapSandbox(), "docker cold": cold, "docker warm": warm}
        finally:
            cold.close()
            warm.close()
