"""Shared by the adapter tests: no sandboxed command may leave its cgroup behind."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.sandbox.cgroup import CGROUP_ROOT, own_prefix


def sandbox_cgroups() -> list[Path]:
    # This test process's only: other runs on the same machine make their own meanwhile.
    return sorted(CGROUP_ROOT.glob(f"**/{own_prefix()}*"))


@pytest.fixture(autouse=True)
def no_sandbox_cgroup_left() -> Iterator[None]:
    before = sandbox_cgroups()
    yield
    assert sandbox_cgroups() == before


from tests.github_forge import fake_github  # noqa: E402, F401 - shared fixture
from tests.local_forge import forge, repo, sessions  # noqa: E402, F401 - shared fixtures
