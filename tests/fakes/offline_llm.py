"""The offline model behind the fake OpenAI server: a whole pipeline over real HTTP.

`OfflineResponder` turns a chat.completions request body back into our messages, asks the
offline model, and answers in OpenAI's format, so the real openai client, and everything
between an agent and the wire, runs as it would against a provider.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from adapters.llm.base import ChatMessage, ModelReply, ToolCall, ToolSpec
from agents.offline_model import OfflineModel
from agents.schemas import ProjectSpec, ReviewVerdict, TaskPlan
from tests.fakes.openai_server import completion

_FORMATS: dict[str, type[BaseModel]] = {
    f.__name__: f for f in (ProjectSpec, TaskPlan, ReviewVerdict)
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
        schema = body.get("response_format", {}).get("json_schema", {}).get("name")
        reply: ModelReply = asyncio.run(
            self._model.complete(
                messages, tools=tools or None, response_format=_FORMATS.get(schema or "")
            )
        )
        calls = reply.tool_calls
        if self._rewrite is not None:
            calls = tuple(self._rewrite(call, messages) for call in calls)
        return completion(
            reply.content or None,
            [(c.id, c.name, json.dumps(c.arguments)) for c in calls],
            prompt_tokens=reply.usage.prompt_tokens,
            completion_tokens=reply.usage.completion_tokens,
        )


def _message(data: dict[str, Any]) -> ChatMessage:
    calls = tuple(
        ToolCall(c["id"], c["function"]["name"], json.loads(c["function"]["arguments"]))
        for c in data.get("tool_calls") or ()
    )
    return ChatMessage(
        data["role"],
        data.get("content") or "",
        tool_calls=calls,
        tool_call_id=data.get("tool_call_id"),
    )
