"""A model call that was paid is counted even when the step then fails, and a coding session
rides out a provider's passing fault instead of starting over (and paying again)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from temporalio.testing import ActivityEnvironment

from activities.brainstorm import BrainstormActivities
from activities.context import ActivityContext
from activities.role_models import RoleModel
from adapters.llm.base import ChatMessage
from adapters.sandbox.process import ProcessSandbox
from adapters.secrets.factory import build_secret_store
from agents.coding_agent import run_coding_agent
from agents.offline_model import OfflineModel
from agents.paid import paid_replies
from agents.patience import Patience
from core.contracts import BrainstormInput
from core.errors import RateLimited, StructuredOutputFailed
from core.handles import Handle
from core.settings import LLMSettings, Settings
from db.engine import SessionFactory, create_engine, session_factory, transaction
from db.migrate import upgrade_to_head
from db.models import Project
from db.repositories import projects, tenants, usage
from services.models import ModelChange, ModelServices
from services.projects import ProjectServices
from tests.fakes.openai_server import FakeOpenAIServer

QUICK = Patience(tries=3, backoff_s=0.01, max_wait_s=0.05)
BRIEF = [ChatMessage("system", "You are a developer."), ChatMessage("user", "Build it.")]


@dataclass
class World:
    ctx: ActivityContext
    sessions: SessionFactory
    project: Project
    model: RoleModel  # the developer's and the brainstorm's, an OpenAI endpoint (the fake)


@pytest.fixture
def fake() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as server:
        yield server


@pytest.fixture
async def world(tmp_path: Path, fake: FakeOpenAIServer) -> AsyncIterator[World]:
    settings = Settings(home=tmp_path, llm=LLMSettings(timeout_s=2.0))
    await asyncio.to_thread(upgrade_to_head, settings.database_url)
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    secrets = build_secret_store(settings)
    secrets.put(settings.tenant, Handle.secret("_", "OPENAI_API_KEY"), "sk-test-0123456789")
    services = ModelServices.of(ProjectServices(settings, sessions, None))  # type: ignore[arg-type]
    change = ModelChange(
        provider="openai",
        model="gpt-x",
        base_url=fake.base_url,
        api_key_secret="secret://_/OPENAI_API_KEY",
    )
    for role in ("brainstorm", "developer"):
        await services.set(role, change)
    async with transaction(sessions) as session:
        await tenants.ensure_tenant(session=session, tenant_id=settings.tenant)
        project = await projects.create(
            session=session, tenant_id=settings.tenant, name="diary", idea="A plant diary"
        )
    ctx = ActivityContext(settings=settings, sessions=sessions, secrets=secrets)
    model = RoleModel(
        "developer", settings=settings, sessions=sessions, secrets=secrets, offline=OfflineModel
    )
    yield World(ctx, sessions, project, model)
    await engine.dispose()


async def recorded(world: World) -> list[tuple[int, int]]:
    async with transaction(world.sessions) as session:
        rows = await usage.list_for_project(
            session=session, tenant_id=world.project.tenant_id, project_id=world.project.id
        )
    return [(r.prompt_tokens, r.completion_tokens) for r in rows]


def write(step: int) -> tuple[str, str, str]:
    return (f"c{step}", "write_file", json.dumps({"path": f"f{step}.txt", "content": "x"}))


FINISH = ("cf", "finish", json.dumps({"summary": "done"}))


async def test_three_paid_malformed_answers_are_counted_when_the_spec_step_fails(
    world: World, fake: FakeOpenAIServer
) -> None:
    brainstorm = RoleModel(
        "brainstorm",
        settings=world.ctx.settings,
        sessions=world.sessions,
        secrets=world.ctx.secrets,
        offline=OfflineModel,
    )
    for _ in range(3):
        fake.reply("not json at all", prompt_tokens=100, completion_tokens=20)
    activities = BrainstormActivities(world.ctx, brainstorm)
    job = BrainstormInput(world.project.id, world.project.tenant_id, "A plant diary")

    with pytest.raises(StructuredOutputFailed):
        await ActivityEnvironment().run(activities.write_spec, job)

    assert await recorded(world) == [(100, 20)] * 3


async def test_a_coding_session_waits_out_a_429_and_a_500_and_goes_on(
    world: World, fake: FakeOpenAIServer, tmp_path: Path
) -> None:
    fake.reply(tool_calls=[write(1)])
    fake.rate_limit(0)
    fake.fail(500, "upstream overloaded", "server_error")
    fake.reply(tool_calls=[FINISH])

    result = await run_coding_agent(
        model=world.model,
        sandbox=ProcessSandbox(),
        workspace=tmp_path / "ws",
        messages=BRIEF,
        patience=QUICK,
    )

    assert (result.finished, result.steps, len(result.replies)) == (True, 2, 2)
    assert (tmp_path / "ws" / "f1.txt").exists(), "the work before the faults was kept"


async def test_a_session_the_provider_keeps_refusing_fails_with_its_paid_steps_recorded(
    world: World, fake: FakeOpenAIServer, tmp_path: Path
) -> None:
    fake.reply(tool_calls=[write(1)], prompt_tokens=50, completion_tokens=5)
    fake.reply(tool_calls=[write(2)], prompt_tokens=60, completion_tokens=6)
    for _ in range(QUICK.tries):
        fake.rate_limit(0)

    async def develop() -> None:
        async with world.ctx.paying(world.project.tenant_id, world.project.id, "developer:t1"):
            await run_coding_agent(
                model=world.model,
                sandbox=ProcessSandbox(),
                workspace=tmp_path / "ws",
                messages=BRIEF,
                patience=QUICK,
            )

    with pytest.raises(RateLimited) as raised:
        await ActivityEnvironment().run(develop)

    assert len(paid_replies(raised.value)) == 2
    assert await recorded(world) == [(50, 5), (60, 6)]
