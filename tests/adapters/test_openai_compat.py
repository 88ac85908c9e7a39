"""OpenAICompatibleModel against a real HTTP server speaking the chat.completions protocol."""

from __future__ import annotations

import json
from collections.abc import Iterator

import openai
import pytest
from pydantic import SecretStr

from adapters.llm.base import ChatMessage, ToolCall
from adapters.llm.factory import build_provider_model
from adapters.llm.openai_compat import ModelRequestRejected, OpenAICompatibleModel
from agents.coding_agent import CODING_TOOLS
from agents.schemas import ReviewVerdict
from agents.structured import ask_structured
from core.errors import InvalidInput, InvalidModelOutput
from core.settings import LLMSettings
from tests.fakes.openai_server import FakeOpenAIServer


@pytest.fixture
def fake() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as server:
        yield server


def make_model(fake: FakeOpenAIServer) -> OpenAICompatibleModel:
    # No client-side retries: each scripted response answers exactly one call.
    return OpenAICompatibleModel(
        model="fake-model", base_url=fake.base_url, api_key="sk-test", max_retries=0
    )


async def test_tool_calls_round_trip(fake: FakeOpenAIServer) -> None:
    fake.reply(tool_calls=[("call_2", "read_file", '{"path": "server.py"}')])
    history = [
        ChatMessage("system", "You code."),
        ChatMessage("user", "Do the task."),
        ChatMessage("assistant", "", tool_calls=(ToolCall("call_1", "list_files", {}),)),
        ChatMessage("tool", "server.py\nroutes/__init__.py", tool_call_id="call_1"),
    ]

    reply = await make_model(fake).complete(history, tools=CODING_TOOLS)

    assert reply.tool_calls == (ToolCall("call_2", "read_file", {"path": "server.py"}),)
    assert (reply.usage.prompt_tokens, reply.usage.completion_tokens) == (11, 7)
    [request] = fake.requests
    assert request.headers["authorization"] == "Bearer sk-test"
    body = request.body
    assert body["model"] == "fake-model"
    assert [t["function"]["name"] for t in body["tools"]] == [t.name for t in CODING_TOOLS]
    assert body["tools"][0]["type"] == "function"
    assert body["tools"][0]["function"]["parameters"]["required"] == ["path", "content"]
    assistant, tool = body["messages"][2], body["messages"][3]
    assert assistant["tool_calls"] == [
        {"id": "call_1", "type": "function", "function": {"name": "list_files", "arguments": "{}"}}
    ]
    assert tool == {
        "role": "tool",
        "tool_call_id": "call_1",
        "content": "server.py\nroutes/__init__.py",
    }
    assert "response_format" not in body


async def test_structured_output_uses_json_schema(fake: FakeOpenAIServer) -> None:
    fake.reply(json.dumps({"approved": True, "comments": "fine"}))

    verdict, replies = await ask_structured(
        make_model(fake), [ChatMessage("user", "Review this.")], ReviewVerdict
    )

    assert verdict == ReviewVerdict(approved=True, comments="fine")
    assert replies[0].model == "fake-model"
    response_format = fake.requests[0].body["response_format"]
    assert response_format["type"] == "json_schema"
    assert response_format["json_schema"]["name"] == "ReviewVerdict"
    assert response_format["json_schema"]["strict"] is False
    assert set(response_format["json_schema"]["schema"]["properties"]) == {
        "approved",
        "comments",
        "line_comments",
        "breaking_change",
    }


async def test_unauthorized_is_rejected_not_retried(fake: FakeOpenAIServer) -> None:
    fake.fail(401, "Incorrect API key provided", "invalid_api_key")
    model = OpenAICompatibleModel(model="fake-model", base_url=fake.base_url, api_key="bad")

    with pytest.raises(ModelRequestRejected, match="HTTP 401: Incorrect API key provided"):
        await model.complete([ChatMessage("user", "hi")])
    assert len(fake.requests) == 1  # a client with retries enabled still tried once


async def test_server_error_propagates_for_activity_retry(fake: FakeOpenAIServer) -> None:
    fake.fail(503, "overloaded", "server_error")

    with pytest.raises(openai.InternalServerError):
        await make_model(fake).complete([ChatMessage("user", "hi")])


async def test_malformed_tool_call_arguments(fake: FakeOpenAIServer) -> None:
    fake.reply(tool_calls=[("call_1", "write_file", '{"path": "a.py", "content": ')])

    with pytest.raises(InvalidModelOutput, match="'write_file' with arguments that are not valid"):
        await make_model(fake).complete([ChatMessage("user", "go")], tools=CODING_TOOLS)


def test_factory_builds_the_provider_and_refuses_missing_credentials() -> None:
    with pytest.raises(InvalidInput, match="LLM_API_KEY"):
        build_provider_model(LLMSettings(provider="openai"))
    model = build_provider_model(
        LLMSettings(provider="openai", api_key=SecretStr("sk-x"), model="gpt-test")
    )
    assert model.label == "openai:gpt-test"
