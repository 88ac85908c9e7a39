"""Google's Generative Language API wire format (`models/{model}:generateContent`), both ways:
its request body to our messages, our reply to its response body, and its error body
(the fake server's `/v1beta/models/...` and `/v1/models/...`)."""

from __future__ import annotations

import re
from typing import Any

from adapters.llm.base import ChatMessage, ModelReply, ToolCall

# The SDK puts the API version first; langchain-google-genai asks for v1, Google documents v1beta.
PATH = re.compile(r"^/(?:v1|v1beta)/models/(?P<model>[^/:]+):generateContent$")

# google.rpc.Code names, which Google's error JSON carries next to the HTTP status.
_STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}


def model_of(path: str) -> str | None:
    """The model a generateContent path names, or None for any other path."""
    found = PATH.match(path.split("?", 1)[0])
    return found["model"] if found else None


def messages_of(body: dict[str, Any]) -> list[ChatMessage]:
    out: list[ChatMessage] = []
    system = body.get("systemInstruction")
    if system:
        out.append(ChatMessage("system", _text(system.get("parts", []))))
    for content in body.get("contents", []):
        parts = content.get("parts", [])
        for part in parts:
            if "functionResponse" in part:
                result = part["functionResponse"]
                out.append(
                    ChatMessage(
                        "tool",
                        _result_text(result.get("response")),
                        tool_call_id=result.get("id") or result["name"],
                    )
                )
        calls = tuple(
            ToolCall(
                p["functionCall"].get("id") or p["functionCall"]["name"],
                p["functionCall"]["name"],
                p["functionCall"].get("args") or {},
            )
            for p in parts
            if "functionCall" in p
        )
        text = _text(parts)
        if text or calls or not any("functionResponse" in p for p in parts):
            role = "assistant" if content.get("role") == "model" else "user"
            out.append(ChatMessage(role, text, tool_calls=calls))
    return out


def tool_names(body: dict[str, Any]) -> list[tuple[str, str]]:
    """(name, description) of every function the request declares."""
    return [
        (f["name"], f.get("description", ""))
        for tool in body.get("tools", [])
        for f in tool.get("functionDeclarations", [])
    ]


def schema_title(body: dict[str, Any]) -> str | None:
    """The structured output's schema title: langchain-google-genai sends the JSON schema as
    responseJsonSchema (responseSchema in older clients) with responseMimeType JSON."""
    config = body.get("generationConfig") or {}
    if config.get("responseMimeType") != "application/json":
        return None
    schema = config.get("responseJsonSchema") or config.get("responseSchema") or {}
    return schema.get("title")


def response(reply: ModelReply, model: str) -> dict[str, Any]:
    parts: list[dict[str, Any]] = []
    if reply.content:
        parts.append({"text": reply.content})
    parts += [
        {"functionCall": {"id": c.id, "name": c.name, "args": c.arguments}}
        for c in reply.tool_calls
    ]
    prompt, completion = reply.usage.prompt_tokens, reply.usage.completion_tokens
    return {
        "candidates": [
            {"content": {"role": "model", "parts": parts}, "finishReason": "STOP", "index": 0}
        ],
        "usageMetadata": {
            "promptTokenCount": prompt,
            "candidatesTokenCount": completion,
            "totalTokenCount": prompt + completion,
        },
        "modelVersion": model,
        "responseId": "fake-google-response",
    }


def error(status: int, message: str, *, retry_delay_s: float | None = None) -> dict[str, Any]:
    """Google's error JSON; a 429 names its wait in a RetryInfo detail, not in a header."""
    body: dict[str, Any] = {
        "code": status,
        "message": message,
        "status": _STATUS_NAMES.get(status, "UNKNOWN"),
    }
    if retry_delay_s is not None:
        body["details"] = [
            {
                "@type": "type.googleapis.com/google.rpc.RetryInfo",
                "retryDelay": f"{retry_delay_s:g}s",
            }
        ]
    return {"error": body}


def _result_text(response: Any) -> str:
    if isinstance(response, dict):  # langchain wraps a plain result as {"output": ...}
        value = response.get("output", response.get("result", response))
        return value if isinstance(value, str) else str(value)
    return str(response or "")


def _text(parts: list[dict[str, Any]]) -> str:
    return "".join(p.get("text", "") for p in parts if isinstance(p, dict) and not p.get("thought"))
