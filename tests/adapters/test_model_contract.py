"""One contract every model backend passes: plain replies, structured output, tool calls and
usage figures, through the `ChatModel` seam the agents use.

Backends: the offline model itself; LangChain's OpenAI client and LangChain's Anthropic client,
each against the fake provider server speaking its wire format with the offline model's
answers. Google's genai client is not covered: its wire format (generateContent) has no fake.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from adapters.llm.base import ChatMessage, ChatModel, ToolCall
from adapters.llm.langchain_model import LangChainModel
from adapters.llm.providers import build_chat
from agents.coding_agent import CODING_TOOLS
from agents.offline_model import OfflineModel
from agents.prompts import brainstorm_messages
from agents.schemas import ProjectSpec, ReviewVerdict
from agents.structured import ask_structured
from core.model_configs import ModelConfig
from core.vocabulary import ModelProvider
from tests.fakes.offline_llm import OfflineResponder
from tests.fakes.openai_server import FakeOpenAIServer

BACKENDS = ["offline", "openai_compatible", "openai", "openrouter", "anthropic"]


def _provider_model(fake: FakeOpenAIServer, provider: ModelProvider) -> ChatModel:
    url = fake.anthropic_url if provider == "anthropic" else fake.base_url
    config = ModelConfig(role="architect", provider=provider, model="contract-1", base_url=url)
    chat = build_chat(config, api_key="sk-contract", timeout_s=10)
    return LangChainModel(chat, label=config.label, model=config.model)


@pytest.fixture(params=BACKENDS)
async def backend(
    request: pytest.FixtureRequest,
) -> AsyncIterator[tuple[ChatModel, FakeOpenAIServer | None]]:
    if request.param == "offline":
        yield OfflineModel(), None
        return
    responder = OfflineResponder()
    with FakeOpenAIServer(respond=responder, respond_anthropic=responder.anthropic) as fake:
        yield _provider_model(fake, request.param), fake


Backend = tuple[ChatModel, FakeOpenAIServer | None]


async def test_a_plain_request_gets_text_and_usage(backend: Backend) -> None:
    model, _ = backend
    reply = await model.complete(
        [ChatMessage("system", "Be brief."), ChatMessage("user", "Hello there, model")]
    )
    assert reply.content.strip()
    assert reply.tool_calls == ()
    assert reply.usage.completion_tokens > 0


async def test_structured_output_parses_into_the_schema_with_usage(backend: Backend) -> None:
    model, _ = backend
    spec, replies = await ask_structured(
        model, brainstorm_messages("a todo list with tags"), ProjectSpec
    )
    assert spec.name == "a-todo-list-with"
    assert spec.feature.resource
    assert replies[0].usage.prompt_tokens > 0 and replies[0].usage.completion_tokens > 0


async def test_a_review_verdict_comes_back_as_its_schema(backend: Backend) -> None:
    model, _ = backend
    messages = [ChatMessage("user", "<test_report>\n3 passed in 0.1s\n</test_report>")]
    verdict, _ = await ask_structured(model, messages, ReviewVerdict)
    # No diff in the prompt: the offline reviewer asks for work, whichever wire carried it.
    assert verdict.approved is False
    assert "diff is empty" in verdict.comments


async def test_tool_calls_come_back_and_their_results_go_in(backend: Backend) -> None:
    model, fake = backend
    first = await model.complete(
        [ChatMessage("system", "You code."), ChatMessage("user", "Nothing to do here.")],
        tools=list(CODING_TOOLS),
    )
    [call] = first.tool_calls
    assert call.name in {t.name for t in CODING_TOOLS}
    assert isinstance(call.arguments, dict) and call.id
    assert first.usage.completion_tokens > 0
    # The call and its result travel back in the provider's own format.
    history = [
        ChatMessage("system", "You code."),
        ChatMessage("user", "Nothing to do here."),
        ChatMessage("assistant", "", tool_calls=(ToolCall(call.id, "list_files", {}),)),
        ChatMessage("tool", "server.py", tool_call_id=call.id),
    ]
    second = await model.complete(history, tools=list(CODING_TOOLS))
    assert second.tool_calls
    if fake is not None:
        assert fake.requests[-1].body["model"] == "contract-1"
        assert "server.py" in str(fake.requests[-1].body["messages"])


def test_every_provider_of_the_vocabulary_has_a_backend_or_a_reason() -> None:
    not_covered = {"google"}  # no fake speaks generateContent (see the module docstring)
    from core.vocabulary import MODEL_PROVIDERS

    assert set(MODEL_PROVIDERS) == set(BACKENDS) | not_covered
