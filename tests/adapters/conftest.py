"""Shared by the adapter tests: no sandboxed command may leave its cgroup behind."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.sandbox.cgroup import CGROUP_ROOT, NAME_PREFIX


def sandbox_cgroups() -> set[Path]:
    """Sandbox cgroups under this process's own (where its sandboxes make them): other test
    sessions on the same machine make and remove theirs meanwhile."""
    own = set()
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        for controller in controllers.split(",") if controllers else [""]:
            own.add(CGROUP_ROOT / controller / path.lstrip("/"))
    return {found for base in own for found in base.glob(f"{NAME_PREFIX}*")}


@pytest.fixture(autouse=True)
def no_sandbox_cgroup_left() -> Iterator[None]:
    before = sandbox_cgroups()
    yield
    # A leak stays; another session's command at the root of a hierarchy ends in seconds.
    deadline = time.monotonic() + 15
    while (left := sandbox_cgroups() - before) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert left == set()


from tests.local_forge import forge, repo, sessions  # noqa: E402, F401 - shared fixtures
