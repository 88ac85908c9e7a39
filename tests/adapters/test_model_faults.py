"""A role's model call against a failing provider: each fault becomes the error that makes
Temporal do the right thing (wait the retry-after, retry, or fail at once), and says which
role and provider failed, never the key."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from activities.role_models import RoleModel
from adapters.llm.base import ChatMessage
from adapters.llm.failures import ModelRequestRejected, ModelUnavailable
from adapters.secrets.factory import build_secret_store
from agents.offline_model import OfflineModel
from core.errors import RateLimited
from core.handles import Handle
from core.settings import LLMSettings, Settings
from db.engine import create_engine, session_factory
from db.migrate import upgrade_to_head
from services.models import ModelChange, ModelServices
from services.projects import ProjectServices
from tests.fakes.openai_server import FakeOpenAIServer, completion

KEY_VALUE = "sk-never-shown-0123456789"


@pytest.fixture
def fake() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as server:
        yield server


@pytest.fixture(params=["openai", "anthropic"])
async def model(
    request: pytest.FixtureRequest, tmp_path: Path, fake: FakeOpenAIServer
) -> AsyncIterator[RoleModel]:
    provider = request.param
    settings = Settings(home=tmp_path, llm=LLMSettings(timeout_s=1.0))
    await asyncio.to_thread(upgrade_to_head, settings.database_url)
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    secrets = build_secret_store(settings)
    secrets.put(settings.tenant, Handle.secret("_", "OPENAI_API_KEY"), KEY_VALUE)
    services = ModelServices.of(ProjectServices(settings, sessions, None))  # type: ignore[arg-type]
    change = ModelChange(
        provider=provider,
        model="gpt-x",
        base_url=fake.anthropic_url if provider == "anthropic" else fake.base_url,
        api_key_secret="secret://_/OPENAI_API_KEY",
    )
    await services.set("reviewer", change)
    yield RoleModel(
        "reviewer", settings=settings, sessions=sessions, secrets=secrets, offline=OfflineModel
    )
    await engine.dispose()


HI = [ChatMessage("user", "hi")]


async def test_a_429_carries_the_providers_retry_after(model: RoleModel, fake: FakeOpenAIServer):
    fake.rate_limit(7)
    with pytest.raises(RateLimited) as caught:
        await model.complete(HI)
    assert caught.value.retry_after_s == 7
    assert f"reviewer model ({model.config and model.config.provider}" in str(caught.value)
    assert len(fake.requests) == 1  # no client-side retry: Temporal schedules the next one


@pytest.mark.parametrize(
    ("status", "message", "says"),
    [
        (401, f"Incorrect API key provided: {KEY_VALUE}", "refused the API key (HTTP 401)"),
        (404, "The model `gpt-x` does not exist", "does not exist for this provider (HTTP 404)"),
    ],
)
async def test_a_bad_key_or_unknown_model_fails_fast_naming_role_and_provider(
    model: RoleModel, fake: FakeOpenAIServer, status: int, message: str, says: str
):
    fake.fail(status, message)
    with pytest.raises(ModelRequestRejected) as caught:
        await model.complete(HI)
    text = str(caught.value)
    provider = model.config and model.config.provider
    assert says in text and f"the reviewer model ({provider}, model 'gpt-x')" in text
    assert KEY_VALUE not in text
    assert len(fake.requests) == 1


async def test_server_errors_timeouts_and_garbage_are_retryable(
    model: RoleModel, fake: FakeOpenAIServer
):
    fake.fail(500, "boom", "server_error")
    fake.hang(3)  # the client's timeout is 1 s
    fake.garble()
    for expected in ("HTTP 500", "could not be reached", "could not be reached"):
        with pytest.raises(ModelUnavailable, match=expected):
            await model.complete(HI)
    fake.respond = lambda body: completion("fine")
    fake.respond_anthropic = lambda body: {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "gpt-x",
        "content": [{"type": "text", "text": "fine"}],
        "stop_reason": "end_turn",
        "usage": {"input_tokens": 3, "output_tokens": 1},
    }
    assert (await model.complete(HI)).content == "fine"
    headers = fake.requests[-1].headers
    assert f"Bearer {KEY_VALUE}" == headers.get("authorization") or KEY_VALUE == headers.get(
        "x-api-key"
    )
