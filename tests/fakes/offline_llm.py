"""The offline model behind the fake provider server: a whole pipeline over real HTTP.

`OfflineResponder` turns a request body (OpenAI's chat.completions, or Anthropic's Messages
through `.anthropic`) back into our messages, asks the offline model, and answers in that
provider's format, so the real client, and everything between an agent and the wire, runs
as it would against a provider. Answers name the model the request asked for.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from adapters.llm.base import ChatMessage, ModelReply, ToolCall, ToolSpec
from agents.offline_model import OfflineModel
from agents.schemas import ChangeSpec, ProjectSpec, ReviewVerdict, TaskPlan
from tests.fakes import anthropic_wire
from tests.fakes.openai_server import completion

_FORMATS: dict[str, type[BaseModel]] = {
    f.__name__: f for f in (ProjectSpec, ChangeSpec, TaskPlan, ReviewVerdict)
}

# Rewrites the offline model's tool call (the conversation so far is given): a test's knob.
ToolCallRewrite = Callable[[ToolCall, list[ChatMessage]], ToolCall]


class OfflineResponder:
    def __init__(self, rewrite: ToolCallRewrite | None = None) -> None:
        self._model = OfflineModel()
        self._rewrite = rewrite

    def __call__(self, body: dict[str, Any]) -> dict[str, Any]:
        messages = [_message(m) for m in body["messages"]]
        tools = [
            ToolSpec(t["function"]["name"], t["function"]["description"], {})
            for t in body.get("tools", [])
        ]
        schema = (body.get("response_format") or {}).get("json_schema", {}).get("name")
        reply = self._ask(messages, tools, _FORMATS.get(schema or ""))
        return completion(
            reply.content or None,
            [(c.id, c.name, json.dumps(c.arguments)) for c in reply.tool_calls],
            prompt_tokens=reply.usage.prompt_tokens,
            completion_tokens=reply.usage.completion_tokens,
            model=body.get("model", "fake-model"),
        )

    def anthropic(self, body: dict[str, Any]) -> dict[str, Any]:
        messages = anthropic_wire.messages_of(body)
        forced = anthropic_wire.forced_tool(body)
        schema = _FORMATS.get(forced or "")
        tools = (
            []
            if schema
            else [ToolSpec(t["name"], t.get("description", ""), {}) for t in body.get("tools", [])]
        )
        reply = self._ask(messages, tools, schema)
        return anthropic_wire.response(
            reply, body.get("model", "fake-model"), structured_as=forced if schema else None
        )

    def _ask(
        self, messages: list[ChatMessage], tools: list[ToolSpec], schema: type[BaseModel] | None
    ) -> ModelReply:
        reply: ModelReply = asyncio.run(
            self._model.complete(messages, tools=tools or None, response_format=schema)
        )
        if self._rewrite is not None and reply.tool_calls:
            calls = tuple(self._rewrite(call, messages) for call in reply.tool_calls)
            reply = ModelReply(reply.content, calls, reply.usage, reply.model)
        return reply


def _message(data: dict[str, Any]) -> ChatMessage:
    calls = tuple(
        ToolCall(c["id"], c["function"]["name"], json.loads(c["function"]["arguments"]))
        for c in data.get("tool_calls") or ()
    )
    content = data.get("content") or ""
    if isinstance(content, list):  # content parts
        content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ChatMessage(
        data["role"],
        content,
        tool_calls=calls,
        tool_call_id=data.get("tool_call_id"),
    )
