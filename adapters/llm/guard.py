"""The prompt guard: no known secret value reaches a model, whichever agent is asking.

The worker wraps every model it builds in it, so the offline model, a provider, and every
role (brainstorm, architect, the coding agent with its tool results and file contents,
the reviewer with its diff) pass through here. A value is replaced by its handle, so the
model still knows that a secret stood there and which one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Iterator

import structlog
from pydantic import BaseModel

from adapters.llm.base import ChatMessage, ChatModel, ModelReply, ToolCall, ToolSpec
from core.known_secrets import KNOWN_SECRETS, KnownSecrets

log = structlog.get_logger(__name__)


class PromptGuard:
    def __init__(
        self,
        model: ChatModel,
        *,
        known: KnownSecrets = KNOWN_SECRETS,
        refresh: Callable[[], Awaitable[object]] | None = None,
    ) -> None:
        self._model = model
        self._known = known
        # Learns values set since the last look (the CLI writes the store from another process).
        self._refresh = refresh

    @property
    def label(self) -> str:
        # The model behind may change from call to call (a role's config in the DB).
        return self._model.label

    async def complete(
        self,
        messages: list[ChatMessage],
        *,
        tools: list[ToolSpec] | None = None,
        response_format: type[BaseModel] | None = None,
    ) -> ModelReply:
        if self._refresh is not None:
            await self._refresh()
        guarded, found = [], set[str]()
        for message in messages:
            masked, handles = self._guard(message)
            guarded.append(masked)
            found.update(handles)
        if found:
            # Handles only: the value itself must not be in this line either.
            log.warning("prompt_guard_masked", model=self.label, handles=sorted(found))
        return await self._model.complete(guarded, tools=tools, response_format=response_format)

    def _guard(self, message: ChatMessage) -> tuple[ChatMessage, list[str]]:
        texts = [message.content, *(s for c in message.tool_calls for s in _strings(c.arguments))]
        found = [handle for text in texts for handle in self._known.found_in(text)]
        if not found:
            return message, []
        masked = dataclasses.replace(
            message,
            content=self._known.replace(message.content),
            tool_calls=tuple(
                ToolCall(c.id, c.name, self._known.replace_in(c.arguments))
                for c in message.tool_calls
            ),
        )
        return masked, found


def _strings(data: object) -> Iterator[str]:
    """Every string in tool-call arguments (JSON: dicts, lists, scalars)."""
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _strings(key)
            yield from _strings(value)
    elif isinstance(data, list | tuple):
        for item in data:
            yield from _strings(item)
