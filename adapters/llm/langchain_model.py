"""Our ChatModel on a LangChain chat model: one adapter for every provider LangChain speaks.

Agents keep talking to the `ChatModel` seam (adapters/llm/base.py); this maps our messages
and tools to LangChain's, `with_structured_output` for a schema, `bind_tools` for tools, and
the answer's usage metadata and tool calls back to `Usage` and `ToolCall`.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from adapters.llm.base import ChatMessage, ModelReply, ToolCall, ToolSpec, Usage
from core.errors import InvalidModelOutput

if TYPE_CHECKING:  # langchain is imported only when a provider is configured (startup time)
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import AIMessage, BaseMessage


class LangChainModel:
    def __init__(self, chat: BaseChatModel, *, label: str, model: str) -> None:
        self._chat = chat
        self.label = label
        self._model = model

    async def complete(
        self,
        messages: list[ChatMessage],
        *,
        tools: list[ToolSpec] | None = None,
        response_format: type[BaseModel] | None = None,
    ) -> ModelReply:
        prompt = [to_langchain(m) for m in messages]
        if response_format is not None:
            return await self._structured(prompt, response_format)
        runnable: Any = self._chat.bind_tools([to_tool(t) for t in tools]) if tools else self._chat
        answer: AIMessage = await runnable.ainvoke(prompt)
        return self._reply(answer, _text(answer.content))

    async def _structured(self, prompt: list[BaseMessage], schema: type[BaseModel]) -> ModelReply:
        # include_raw: the raw answer carries the usage, and a parsing error is not raised but
        # handed back, so agents/structured.py can ask again showing what was wrong.
        given, options = _structured_options(self._chat, schema)
        runnable = self._chat.with_structured_output(given, include_raw=True, **options)
        out: dict[str, Any] = await runnable.ainvoke(prompt)  # type: ignore[assignment]
        raw: AIMessage = out["raw"]
        parsed = out.get("parsed")
        if isinstance(parsed, BaseModel):
            content = parsed.model_dump_json()
        elif isinstance(parsed, dict):
            content = json.dumps(parsed)
        elif raw.tool_calls:  # function-calling providers put the object in a tool call
            content = json.dumps(raw.tool_calls[0]["args"])
        else:
            content = _text(raw.content)
        return self._reply(raw, content, with_calls=False)

    def _reply(self, answer: AIMessage, content: str, *, with_calls: bool = True) -> ModelReply:
        usage: dict[str, Any] = dict(answer.usage_metadata or {})
        meta = answer.response_metadata or {}
        calls = tuple(_tool_call(c, self.label) for c in answer.tool_calls) if with_calls else ()
        if with_calls and answer.invalid_tool_calls:
            bad = answer.invalid_tool_calls[0]
            raise InvalidModelOutput(
                f"{self.label} sent tool call {bad.get('name')!r} with arguments that are not "
                f"a JSON object: {str(bad.get('args'))[:200]!r}"
            )
        return ModelReply(
            content=content,
            tool_calls=calls,
            usage=Usage(
                prompt_tokens=int(usage.get("input_tokens", 0)),
                completion_tokens=int(usage.get("output_tokens", 0)),
            ),
            model=str(meta.get("model_name") or meta.get("model") or self._model),
        )


def _structured_options(chat: BaseChatModel, schema: type[BaseModel]) -> tuple[Any, dict[str, Any]]:
    """OpenAI-style providers get the schema as a plain JSON schema: given the class, the
    openai client validates the answer itself and raises, so the model could not be shown
    its mistake (agents/structured.py validates instead). Others use their default method
    (a forced tool call), whose parsing error comes back with the raw answer."""
    from langchain_openai import ChatOpenAI

    if isinstance(chat, ChatOpenAI):
        return schema.model_json_schema(), {"method": "json_schema", "strict": False}
    return schema, {}


def to_langchain(message: ChatMessage) -> BaseMessage:
    from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage

    if message.role == "system":
        return SystemMessage(message.content)
    if message.role == "user":
        return HumanMessage(message.content)
    if message.role == "tool":
        return ToolMessage(message.content, tool_call_id=message.tool_call_id or "")
    return AIMessage(
        message.content,
        tool_calls=[
            {"id": c.id, "name": c.name, "args": c.arguments, "type": "tool_call"}
            for c in message.tool_calls
        ],
    )


def to_tool(tool: ToolSpec) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": tool.name,
            "description": tool.description,
            "parameters": tool.parameters,
        },
    }


def _tool_call(call: Any, label: str) -> ToolCall:
    arguments = call.get("args")
    if not isinstance(arguments, dict):
        raise InvalidModelOutput(
            f"{label} sent tool call {call.get('name')!r} whose arguments are not a JSON object"
        )
    return ToolCall(id=call.get("id") or "", name=call["name"], arguments=arguments)


def _text(content: Any) -> str:
    """Text of an answer; some providers answer in content blocks rather than one string."""
    if isinstance(content, str):
        return content
    return "".join(b.get("text", "") if isinstance(b, dict) else str(b) for b in content or [])
