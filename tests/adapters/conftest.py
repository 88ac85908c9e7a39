"""Shared by the adapter tests: no sandboxed command may leave its cgroup behind."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.sandbox.cgroup import CGROUP_ROOT, own_prefix


def sandbox_cgroups() -> set[Path]:
    # This test process's only: other runs on the same machine make their own meanwhile.
    return set(CGROUP_ROOT.glob(f"**/{own_prefix()}*"))


@pytest.fixture(autouse=True)
def no_sandbox_cgroup_left() -> Iterator[None]:
    before = sandbox_cgroups()
    yield
    # A leak stays; another session's command at the root of a hierarchy ends in seconds.
    deadline = time.monotonic() + 15
    while (left := sandbox_cgroups() - before) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert left == set()


from tests.github_forge import fake_github  # noqa: E402, F401 - shared fixture
from tests.local_forge import forge, repo, sessions  # noqa: E402, F401 - shared fixtures
