"""A chat model that answers only after a delay, like a real provider would.

The offline model answers in microseconds; with it alone, a crash almost never lands in
a model call. Benchmarks and crash tests set LLM_SIMULATED_LATENCY_S to give the pipeline
a provider's rhythm.
"""

from __future__ import annotations

import asyncio

from pydantic import BaseModel

from adapters.llm.base import ChatMessage, ChatModel, ModelReply, ToolSpec


class DelayedModel:
    def __init__(self, model: ChatModel, delay_s: float) -> None:
        self._model = model
        self._delay_s = delay_s

    @property
    def label(self) -> str:
        return self._model.label

    async def complete(
        self,
        messages: list[ChatMessage],
        *,
        tools: list[ToolSpec] | None = None,
        response_format: type[BaseModel] | None = None,
    ) -> ModelReply:
        await asyncio.sleep(self._delay_s)
        return await self._model.complete(messages, tools=tools, response_format=response_format)
