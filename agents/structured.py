"""Ask a model for JSON matching a pydantic schema, asking again (bounded) with the error."""

from __future__ import annotations

import re
from typing import TypeVar

import structlog
from pydantic import BaseModel, ValidationError

from adapters.llm.base import ChatMessage, ChatModel, ModelReply
from agents.paid import attach_paid
from core.errors import StructuredOutputFailed

T = TypeVar("T", bound=BaseModel)

log = structlog.get_logger(__name__)

_FENCE = re.compile(r"^```[a-zA-Z]*\s*\n?(.*?)\n?```$", re.DOTALL)


# How often a model is asked for one structured answer before a person is asked instead.
STRUCTURED_ATTEMPTS = 3


async def ask_structured(
    model: ChatModel,
    messages: list[ChatMessage],
    schema: type[T],
    *,
    attempts: int = STRUCTURED_ATTEMPTS,
) -> tuple[T, list[ModelReply]]:
    """Return the parsed answer and every reply (for usage accounting); an error, the
    replies paid before it (agents/paid.py).

    Models sometimes wrap JSON in fences or miss a field; asking again with the validation
    error fixes most of that, and repeated failure is a real answer quality problem:
    StructuredOutputFailed, which fails the activity at once (activities/model_failures.py).
    """
    replies: list[ModelReply] = []
    try:
        return await _ask(model, messages, schema, attempts, replies)
    except BaseException as err:
        attach_paid(err, replies)
        raise


async def _ask(
    model: ChatModel,
    messages: list[ChatMessage],
    schema: type[T],
    attempts: int,
    replies: list[ModelReply],
) -> tuple[T, list[ModelReply]]:
    conversation = list(messages)
    error = ""
    for attempt in range(1, attempts + 1):
        reply = await model.complete(conversation, response_format=schema)
        replies.append(reply)
        try:
            return schema.model_validate_json(extract_json(reply.content)), replies
        except ValidationError as exc:
            error = describe_validation_error(exc)
        log.warning(
            "structured_output_invalid",
            model=model.label,
            schema=schema.__name__,
            attempt=attempt,
            error=error,
        )
        conversation += [
            ChatMessage("assistant", reply.content),
            ChatMessage(
                "user",
                f"That answer is not a valid {schema.__name__} JSON object: {error}\n"
                "Answer again with only the corrected JSON object, no prose and no code fences.",
            ),
        ]
    raise StructuredOutputFailed(
        f"{model.label} did not return a valid {schema.__name__} after {attempts} attempts "
        f"(each shown the error): {error}"
    )


def extract_json(text: str) -> str:
    """The JSON part of a reply: without code fences or prose around a single object."""
    text = text.strip()
    fenced = _FENCE.match(text)
    if fenced:
        return fenced.group(1).strip()
    start, end = text.find("{"), text.rfind("}")
    if start > 0 and end > start:
        return text[start : end + 1]
    return text


def describe_validation_error(exc: ValidationError, limit: int = 5) -> str:
    """A short, human-readable summary instead of pydantic's multi-line dump."""
    parts = []
    for err in exc.errors()[:limit]:
        where = ".".join(str(p) for p in err["loc"]) or "(root)"
        parts.append(f"{where}: {err['msg']}")
    more = len(exc.errors()) - limit
    if more > 0:
        parts.append(f"and {more} more")
    return "; ".join(parts)
