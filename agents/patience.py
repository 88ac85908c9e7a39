"""A model call that rides out a provider's passing fault (a 429, a 5xx) in-process.

A coding session is many calls; failing the activity at call 20 would rerun the session
from its first call and pay for all of them again. So a few waits here (the activity's
heartbeats go on meanwhile, activities/heartbeat.py), and only then the error, which the
activity's retry policy handles as before."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import structlog

from adapters.llm.base import ChatMessage, ChatModel, ModelReply, ToolSpec
from adapters.llm.failures import ModelUnavailable
from core.errors import RateLimited

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Patience:
    tries: int = 3  # calls in all, the first one included
    backoff_s: float = 2.0  # after a 5xx: 2 s, then 4 s, ...
    max_wait_s: float = 60.0  # a retry-after longer than this is waited only this long


PATIENCE = Patience()


async def complete_patiently(
    model: ChatModel,
    messages: list[ChatMessage],
    *,
    tools: list[ToolSpec] | None = None,
    patience: Patience = PATIENCE,
) -> ModelReply:
    for attempt in range(1, patience.tries + 1):
        try:
            return await model.complete(messages, tools=tools)
        except (RateLimited, ModelUnavailable) as err:
            if attempt == patience.tries:
                raise
            wait = (
                err.retry_after_s
                if isinstance(err, RateLimited)
                else patience.backoff_s * 2 ** (attempt - 1)
            )
            wait = min(max(wait, 0.0), patience.max_wait_s)
            log.warning(
                "model_call_retried",
                model=model.label,
                attempt=attempt,
                wait_s=wait,
                error=type(err).__name__,
            )
            await asyncio.sleep(wait)
    raise AssertionError("unreachable: the last try returns or raises")
