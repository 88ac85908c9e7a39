"""The prompt guard in front of a real provider client: known values leave as their handles."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest
import structlog

from adapters.llm.base import ChatMessage, ToolCall
from adapters.llm.guard import PromptGuard
from adapters.llm.langchain_model import LangChainModel
from adapters.llm.providers import build_chat
from adapters.sandbox.factory import build_sandbox
from adapters.secrets.age_key import ensure_key
from adapters.secrets.sops import SopsSecretStore
from agents.coding_agent import run_coding_agent
from core.handles import Handle
from core.known_secrets import KnownSecrets
from core.model_configs import ModelConfig
from core.settings import SandboxSettings
from tests.fakes.openai_server import FakeOpenAIServer

HANDLE = "secret://shop/STRIPE_KEY"


@pytest.fixture
def fake() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as server:
        yield server


@pytest.fixture
def value() -> str:
    return f"rk_live_{uuid.uuid4().hex}"


def guarded(
    fake: FakeOpenAIServer,
    known: KnownSecrets,
    refresh: Callable[[], Awaitable[object]] | None = None,
) -> PromptGuard:
    config = ModelConfig("developer", "openai_compatible", "fake", base_url=fake.base_url)
    model = LangChainModel(build_chat(config, api_key="", timeout_s=10), label="fake", model="fake")
    return PromptGuard(model, known=known, refresh=refresh)


def sent(fake: FakeOpenAIServer) -> list[str]:
    return [json.dumps(request.body) for request in fake.requests]


async def test_every_role_of_message_leaves_with_the_handle_and_the_mask_is_logged(
    fake: FakeOpenAIServer, value: str
) -> None:
    known = KnownSecrets()
    known.add(value, HANDLE)
    fake.reply("ok")
    messages = [
        ChatMessage("system", f"The key is {value}."),
        ChatMessage("user", f"Use {value} for payments"),
        ChatMessage(
            "assistant",
            "",
            tool_calls=(ToolCall("c1", "write_file", {"path": ".env", "content": f"K={value}"}),),
        ),
        ChatMessage("tool", f"wrote .env: K={value}", tool_call_id="c1"),
    ]

    with structlog.testing.capture_logs() as logs:
        await guarded(fake, known).complete(messages)

    [body] = sent(fake)
    assert value not in body
    assert body.count(HANDLE) == 4
    [masked] = [entry for entry in logs if entry["event"] == "prompt_guard_masked"]
    assert masked["handles"] == [HANDLE] and value not in repr(masked)


async def test_a_prompt_without_known_values_is_sent_unchanged(fake: FakeOpenAIServer) -> None:
    known = KnownSecrets()
    known.add("some-other-value", HANDLE)
    fake.reply("ok")

    with structlog.testing.capture_logs() as logs:
        await guarded(fake, known).complete([ChatMessage("user", "Build a shop.")])

    assert fake.requests[0].body["messages"] == [{"role": "user", "content": "Build a shop."}]
    assert not logs


async def test_a_file_the_coding_agent_reads_reaches_the_model_masked(
    fake: FakeOpenAIServer, value: str, tmp_path: Path
) -> None:
    known = KnownSecrets()
    known.add(value, HANDLE)
    (tmp_path / "config.py").write_text(f'STRIPE_KEY = "{value}"\n')
    fake.reply(tool_calls=[("c1", "read_file", '{"path": "config.py"}')])
    fake.reply(tool_calls=[("c2", "finish", '{"summary": "read it"}')])

    result = await run_coding_agent(
        model=guarded(fake, known),
        sandbox=build_sandbox(SandboxSettings(kind="process")),
        workspace=tmp_path,
        messages=[ChatMessage("user", "Look at the config.")],
    )

    assert result.finished
    tool_result = fake.requests[1].body["messages"][-1]
    assert tool_result == {
        "role": "tool",
        "tool_call_id": "c1",
        "content": f'STRIPE_KEY = "{HANDLE}"\n',
    }
    assert not [body for body in sent(fake) if value in body]


async def test_a_value_set_by_another_process_is_masked_from_the_next_call(
    fake: FakeOpenAIServer, value: str, tmp_path: Path
) -> None:
    key = ensure_key(tmp_path / "age.key")
    known = KnownSecrets()  # this process's, as the worker's
    store = SopsSecretStore(tmp_path, key, known=known, cache_ttl_s=0)
    model = guarded(fake, known, refresh=lambda: asyncio.to_thread(store.load_all))
    # The CLI writes with a registry of its own: only reading the store tells the worker.
    cli = SopsSecretStore(tmp_path, key, known=KnownSecrets())
    cli.put("t1", Handle.secret("shop", "STRIPE_KEY"), value)
    fake.reply("ok")

    await model.complete([ChatMessage("user", f"charge with {value}")])

    assert fake.requests[0].body["messages"][0]["content"] == f"charge with {HANDLE}"
