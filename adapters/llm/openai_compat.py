"""Any OpenAI-compatible chat.completions endpoint (OpenAI, vLLM, Ollama, OpenRouter, ...)."""

from __future__ import annotations

import json
from typing import Any

import openai
import structlog
from pydantic import BaseModel

from adapters.llm.base import ChatMessage, ModelReply, ToolCall, ToolSpec, Usage
from core.errors import InvalidModelOutput, OrchestratorError

log = structlog.get_logger(__name__)

# 4xx statuses that are worth retrying: timeouts, conflicts, rate limits.
_TRANSIENT_4XX = {408, 409, 429}


class ModelRequestRejected(OrchestratorError):
    """The provider refused the request (bad key, unknown model, bad payload).

    Not transient: retrying the same request cannot succeed.
    """


class OpenAICompatibleModel:
    def __init__(
        self,
        *,
        model: str,
        base_url: str = "",
        api_key: str = "",
        timeout_s: float = 120.0,
        max_retries: int = 2,
    ) -> None:
        self.model = model
        self.label = f"openai:{model}"
        self._client = openai.AsyncOpenAI(
            base_url=base_url or None,
            # Local servers (vLLM, Ollama) accept any key, but the client insists on one.
            api_key=api_key or "not-needed",
            timeout=timeout_s,
            max_retries=max_retries,
        )

    async def complete(
        self,
        messages: list[ChatMessage],
        *,
        tools: list[ToolSpec] | None = None,
        response_format: type[BaseModel] | None = None,
    ) -> ModelReply:
        request: dict[str, Any] = {
            "model": self.model,
            "messages": [to_openai_message(m) for m in messages],
        }
        if tools:
            request["tools"] = [to_openai_tool(t) for t in tools]
        if response_format is not None:
            request["response_format"] = {
                "type": "json_schema",
                "json_schema": {
                    "name": response_format.__name__,
                    "schema": response_format.model_json_schema(),
                    # Non-strict: strict mode rejects common pydantic schemas (defaults, patterns).
                    "strict": False,
                },
            }
        try:
            response = await self._client.chat.completions.create(**request)
        except openai.APIStatusError as exc:
            if 400 <= exc.status_code < 500 and exc.status_code not in _TRANSIENT_4XX:
                raise ModelRequestRejected(
                    f"{self.label} rejected the request with HTTP {exc.status_code}: "
                    f"{_error_text(exc)}"
                ) from exc
            raise  # 5xx and rate limits: let the activity retry policy handle them
        return self._to_reply(response)

    def _to_reply(self, response: Any) -> ModelReply:
        if not response.choices:
            raise InvalidModelOutput(f"{self.label} returned no choices")
        message = response.choices[0].message
        calls = tuple(parse_tool_call(c, self.label) for c in message.tool_calls or ())
        usage = response.usage
        return ModelReply(
            content=message.content or getattr(message, "refusal", None) or "",
            tool_calls=calls,
            usage=Usage(
                prompt_tokens=usage.prompt_tokens if usage else 0,
                completion_tokens=usage.completion_tokens if usage else 0,
            ),
            model=response.model or self.model,
        )


def to_openai_message(message: ChatMessage) -> dict[str, Any]:
    if message.role == "tool":
        return {"role": "tool", "tool_call_id": message.tool_call_id, "content": message.content}
    out: dict[str, Any] = {"role": message.role, "content": message.content}
    if message.role == "assistant" and message.tool_calls:
        out["content"] = message.content or None
        out["tool_calls"] = [
            {
                "id": call.id,
                "type": "function",
                "function": {"name": call.name, "arguments": json.dumps(call.arguments)},
            }
            for call in message.tool_calls
        ]
    return out


def to_openai_tool(tool: ToolSpec) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": tool.name,
            "description": tool.description,
            "parameters": tool.parameters,
        },
    }


def parse_tool_call(call: Any, label: str) -> ToolCall:
    function = call.function
    raw = function.arguments or "{}"
    try:
        arguments = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InvalidModelOutput(
            f"{label} sent tool call {function.name!r} with arguments that are not valid JSON "
            f"({exc.msg} at position {exc.pos}): {raw[:200]!r}"
        ) from exc
    if not isinstance(arguments, dict):
        raise InvalidModelOutput(
            f"{label} sent tool call {function.name!r} whose arguments are not a JSON object"
        )
    return ToolCall(id=call.id, name=function.name, arguments=arguments)


def _error_text(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict):
        detail = body.get("error", body)
        if isinstance(detail, dict) and detail.get("message"):
            return str(detail["message"])
    return exc.message
