"""A model that follows a script of tool calls: the stand-in for an external provider."""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel

from adapters.llm.base import ChatMessage, ModelReply, ToolCall, ToolSpec, Usage

# Given the step number (1, 2, ...), the call the model makes then.
Script = Callable[[int], ToolCall]


class ScriptedToolModel:
    label = "scripted"

    def __init__(self, script: Script, tokens_per_reply: int = 10) -> None:
        self.script = script
        self.tokens_per_reply = tokens_per_reply
        self.requests = 0

    async def complete(
        self,
        messages: list[ChatMessage],
        *,
        tools: list[ToolSpec] | None = None,
        response_format: type[BaseModel] | None = None,
    ) -> ModelReply:
        self.requests += 1
        usage = Usage(prompt_tokens=self.tokens_per_reply, completion_tokens=0)
        return ModelReply("", tool_calls=(self.script(self.requests),), usage=usage, model="s")
