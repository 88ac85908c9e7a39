"""Anthropic's Messages API wire format, both ways: its request body to our messages, and
our reply to its response body (the fake server's `/v1/messages`)."""

from __future__ import annotations

import json
from typing import Any

from adapters.llm.base import ChatMessage, ModelReply, ToolCall


def messages_of(body: dict[str, Any]) -> list[ChatMessage]:
    out: list[ChatMessage] = []
    system = body.get("system")
    if system:
        out.append(ChatMessage("system", _text(system)))
    for message in body["messages"]:
        content = message["content"]
        if isinstance(content, str):
            out.append(ChatMessage(message["role"], content))
            continue
        results = [b for b in content if b.get("type") == "tool_result"]
        for block in results:
            out.append(
                ChatMessage(
                    "tool", _text(block.get("content", "")), tool_call_id=block["tool_use_id"]
                )
            )
        calls = tuple(
            ToolCall(b["id"], b["name"], b.get("input") or {})
            for b in content
            if b.get("type") == "tool_use"
        )
        text = _text([b for b in content if b.get("type") == "text"])
        if text or calls or not results:
            out.append(ChatMessage(message["role"], text, tool_calls=calls))
    return out


def forced_tool(body: dict[str, Any]) -> str | None:
    """The tool a structured request forces (langchain-anthropic names it after the schema)."""
    choice = body.get("tool_choice") or {}
    return choice.get("name") if choice.get("type") == "tool" else None


def response(reply: ModelReply, model: str, *, structured_as: str | None = None) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = []
    if structured_as is not None:
        blocks.append(
            {
                "type": "tool_use",
                "id": "toolu_structured",
                "name": structured_as,
                "input": json.loads(reply.content),
            }
        )
    else:
        if reply.content:
            blocks.append({"type": "text", "text": reply.content})
        blocks += [
            {"type": "tool_use", "id": c.id, "name": c.name, "input": c.arguments}
            for c in reply.tool_calls
        ]
    return {
        "id": "msg_fake",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": blocks,
        "stop_reason": "tool_use" if any(b["type"] == "tool_use" for b in blocks) else "end_turn",
        "stop_sequence": None,
        "usage": {
            "input_tokens": reply.usage.prompt_tokens,
            "output_tokens": reply.usage.completion_tokens,
        },
    }


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    return "".join(b.get("text", "") for b in content if isinstance(b, dict))
