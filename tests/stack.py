"""A whole stack in one test process: dev-server Temporal, migrated SQLite, real adapters."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from adapters.deploy.ansible import AnsibleDeployer, find_playbooks_dir
from adapters.secrets.factory import build_secret_store
from adapters.secrets.history_keys import history_converter
from bench.embedded_stack import free_port_block
from core.settings import (
    DeploySettings,
    PipelineSettings,
    SandboxSettings,
    Settings,
    TemporalSettings,
)
from db.engine import SessionFactory, create_engine, session_factory
from db.migrate import upgrade_to_head
from services.projects import ProjectServices


@dataclass
class Stack:
    settings: Settings
    sessions: SessionFactory
    services: ProjectServices
    env: WorkflowEnvironment
    # The dev server's connection with this data dir's history keys: what the CLI, API and
    # worker processes started on this stack's settings use too.
    client: Client


def stack_settings(home: Path, task_queue: str) -> Settings:
    start = free_port_block()
    return Settings(
        home=home,
        temporal=TemporalSettings(task_queue=task_queue),
        sandbox=SandboxSettings(kind="auto"),
        deploy=DeploySettings(
            port_range_start=start, port_range_end=start + 2, health_timeout_s=15
        ),
        pipeline=PipelineSettings(max_parallel_developers=3, max_review_rounds=2),
    )


def stack_client(env: WorkflowEnvironment, settings: Settings) -> Client:
    converter = history_converter(build_secret_store(settings))
    return Client(**{**env.client.config(), "data_converter": converter})


@asynccontextmanager
async def open_stack(dev_env: WorkflowEnvironment, settings: Settings) -> AsyncIterator[Stack]:
    """A stack on these settings; the services it deployed are stopped afterwards."""
    await asyncio.to_thread(upgrade_to_head, settings.database_url)
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    client = stack_client(dev_env, settings)
    try:
        yield Stack(
            settings, sessions, ProjectServices(settings, sessions, client), dev_env, client
        )
    finally:  # a failed test too: its services would outlive the run
        await engine.dispose()
        await stop_deployed_services(settings)


async def stop_deployed_services(settings: Settings) -> None:
    """Deployed services outlive workers on purpose; tests must not leave them behind."""
    deployer = AnsibleDeployer(
        releases_dir=settings.releases_dir, playbooks_dir=find_playbooks_dir()
    )
    releases = settings.releases_dir
    if releases.exists():
        for project_dir in releases.iterdir():
            await deployer.stop(project_slug=project_dir.name)


@pytest.fixture
async def stack(dev_env: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[Stack]:
    settings = stack_settings(tmp_path / "home", f"e2e-{uuid.uuid4()}")
    async with open_stack(dev_env, settings) as opened:
        yield opened
