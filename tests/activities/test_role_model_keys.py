"""LLM_API_KEY goes only to the LLM_* endpoint: a role pointed at another host without a key
handle sends no key there, and a hosted provider that needs a key is refused without one."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pydantic import SecretStr

from activities.role_models import RoleModel
from adapters.llm.base import ChatMessage
from agents.offline_model import OfflineModel
from core.errors import InvalidInput
from core.settings import LLMSettings, Settings
from db.engine import create_engine, session_factory
from db.migrate import upgrade_to_head
from services.models import ModelChange, ModelServices
from services.projects import ProjectServices
from tests.fakes.openai_server import FakeOpenAIServer

LLM_KEY = "sk-operator-llm-key-0123456789"
HI = [ChatMessage("user", "hi")]


@dataclass
class Setup:
    settings: Settings
    services: ModelServices
    home: FakeOpenAIServer  # the LLM_* endpoint
    other: FakeOpenAIServer  # somebody's GPU box

    def role(self, role: str) -> RoleModel:
        return RoleModel(
            role,  # type: ignore[arg-type]
            settings=self.settings,
            sessions=self.services.projects.sessions,
            secrets=self.services.store,
            offline=OfflineModel,
        )


@pytest.fixture
def servers() -> Iterator[tuple[FakeOpenAIServer, FakeOpenAIServer]]:
    with FakeOpenAIServer() as home, FakeOpenAIServer() as other:
        yield home, other


@pytest.fixture
async def setup(
    tmp_path: Path, servers: tuple[FakeOpenAIServer, FakeOpenAIServer]
) -> AsyncIterator[Setup]:
    home, other = servers
    llm = LLMSettings(
        provider="openai", base_url=home.base_url, api_key=SecretStr(LLM_KEY), timeout_s=5.0
    )
    settings = Settings(home=tmp_path, llm=llm)
    await asyncio.to_thread(upgrade_to_head, settings.database_url)
    engine = create_engine(settings.database_url)
    projects = ProjectServices(settings, session_factory(engine), None)  # type: ignore[arg-type]
    yield Setup(settings, ModelServices.of(projects), home, other)
    await engine.dispose()


async def test_a_role_pointed_at_another_host_without_a_handle_gets_no_llm_api_key(
    setup: Setup,
):
    await setup.services.set(
        "brainstorm",
        ModelChange(provider="openai_compatible", model="llama", base_url=setup.other.base_url),
    )
    setup.other.reply("from the gpu box")
    setup.home.reply("from the operator's endpoint")

    assert (await setup.role("brainstorm").complete(HI)).content == "from the gpu box"
    assert (await setup.role("architect").complete(HI)).content == "from the operator's endpoint"

    [sent] = setup.other.requests
    assert LLM_KEY not in str(sent.headers) and LLM_KEY not in str(sent.body)
    assert sent.headers.get("authorization") == "Bearer not-needed"
    assert setup.home.requests[0].headers.get("authorization") == f"Bearer {LLM_KEY}"


async def test_a_role_set_on_the_llm_endpoint_still_uses_llm_api_key(setup: Setup):
    await setup.services.set("reviewer", ModelChange(model="gpt-5-mini"))
    setup.home.reply("ok")
    await setup.role("reviewer").complete(HI)
    assert setup.home.requests[0].headers.get("authorization") == f"Bearer {LLM_KEY}"


@pytest.mark.parametrize(
    ("provider", "base_url"),
    [("anthropic", None), ("google", None), ("openrouter", None), ("openai", "")],
)
async def test_a_hosted_provider_without_a_key_handle_is_refused_with_the_way_out(
    setup: Setup, provider: str, base_url: str | None
):
    with pytest.raises(InvalidInput, match=f"provider '{provider}' needs an API key") as caught:
        await setup.services.set(
            "developer", ModelChange(provider=provider, model="m", base_url=base_url)
        )
    assert f"secrets set --tenant-wide {provider.upper()}_API_KEY" in str(caught.value)
    assert (await setup.services.show("developer")).source == "settings"  # nothing stored
