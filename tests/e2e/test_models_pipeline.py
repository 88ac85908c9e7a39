"""The whole pipeline, idea to live service, through the real LangChain clients.

Every role has its own model config in the DB: three speak OpenAI's wire format and the
developer Anthropic's, all to the fake provider server, where the offline model answers.
The project waits at its spec approval while a person switches the architect's model; the
architect's calls then use the new one. The first call is rate limited (429, retry-after)
and retried after that wait by Temporal. The API key is a secret handle whose value reaches
the provider's auth header and nothing else: no prompt, log line, event row or history.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator

import httpx
import pytest

from adapters.secrets.factory import build_secret_store
from core.contracts import Gates
from core.handles import Handle
from db.engine import transaction
from db.repositories import events, usage
from services.inbox import InboxServices
from services.models import ModelChange, ModelServices
from tests.decoded_history import decoded_history
from tests.e2e.test_secret_leak import wait_for_item
from tests.fakes.offline_llm import OfflineResponder
from tests.fakes.openai_server import FakeOpenAIServer
from tests.log_capture import production_logging
from tests.stack import Stack
from worker.composition import build_worker

KEY = Handle.secret("_", "MODEL_KEY")


@pytest.fixture
def fake() -> Iterator[FakeOpenAIServer]:
    responder = OfflineResponder()
    with FakeOpenAIServer(respond=responder, respond_anthropic=responder.anthropic) as server:
        yield server


async def configure(models: ModelServices, fake: FakeOpenAIServer) -> None:
    for role in ("brainstorm", "architect", "reviewer"):
        change = ModelChange(
            provider="openai_compatible",
            model=f"{role}-1",
            base_url=fake.base_url,
            api_key_secret=str(KEY),
        )
        await models.set(role, change)
    developer = ModelChange(
        provider="anthropic",
        model="developer-1",
        base_url=fake.anthropic_url,
        api_key_secret=str(KEY),
        max_tokens=2000,
    )
    await models.set("developer", developer)


async def test_an_idea_goes_live_through_langchain_with_a_model_per_role(
    stack: Stack, fake: FakeOpenAIServer
) -> None:
    value = f"sk-planted-{uuid.uuid4().hex}"
    await asyncio.to_thread(
        build_secret_store(stack.settings).put, stack.settings.tenant, KEY, value
    )
    models = ModelServices.of(stack.services)
    await configure(models, fake)
    fake.rate_limit(1)  # the very first call: brainstorm's

    with production_logging() as logs:
        async with build_worker(stack.client, stack.settings, stack.sessions):
            project = await stack.services.submit(
                "Weather bot with notifications", gates=Gates(spec=True)
            )
            approval, _ = await wait_for_item(stack.services, project.id, "approval")
            # While the project waits: the architect's next call must use the new model.
            await models.set("architect", ModelChange(model="architect-2"))
            await InboxServices(stack.services).answer(approval.id, choice="approve")
            state = await stack.services.handle(project).result()
            history = await decoded_history(
                stack.client,
                (await stack.services.handle(project).fetch_history()).to_json_dict(),
            )

    assert state.status == "completed", state.error
    async with httpx.AsyncClient(timeout=5) as http:
        assert (await http.get(f"{state.live_url}/health")).status_code == 200

    asked = {(r.path, r.body["model"]) for r in fake.requests}
    assert ("/v1/chat/completions", "architect-2") in asked
    assert ("/v1/chat/completions", "architect-1") not in asked
    assert {("/v1/messages", "developer-1"), ("/v1/chat/completions", "reviewer-1")} <= asked

    # 429 first; the retry came after the retry-after, scheduled by Temporal.
    first, second = fake.requests[0], fake.requests[1]
    assert first.status == 429 and second.body["model"] == "brainstorm-1"
    assert second.at - first.at >= 0.9

    # The key went where keys go, and nowhere else.
    assert all(
        r.headers.get("authorization") == f"Bearer {value}" or r.headers.get("x-api-key") == value
        for r in fake.requests
    )
    assert not [r for r in fake.requests if value in json.dumps(r.body)]
    assert value not in logs.getvalue() and value not in history
    async with transaction(stack.sessions) as session:
        rows = await events.list_for_project(
            session=session, tenant_id=stack.settings.tenant, project_id=project.id
        )
        spent = await usage.list_for_project(
            session=session, tenant_id=stack.settings.tenant, project_id=project.id
        )
    assert rows and not [e for e in rows if value in f"{e.message}{e.payload}"]
    database = stack.settings.data_dir / "orchestrator.db"
    for path in database.parent.glob(f"{database.name}*"):
        assert value.encode() not in path.read_bytes(), path
    # Usage is recorded under the model that answered, per role.
    assert {u.model for u in spent} >= {"brainstorm-1", "architect-2", "developer-1", "reviewer-1"}
