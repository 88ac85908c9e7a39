"""The bot's own requests wait out Telegram's flood control instead of failing the handler."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import structlog
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType

if TYPE_CHECKING:
    from aiogram import Bot

log = structlog.get_logger()


class WaitOutFloodControl(BaseRequestMiddleware):
    """A 429 is retried after its retry_after, a few times; a longer ban fails the request."""

    def __init__(self, attempts: int = 3, longest_wait_s: float = 60.0) -> None:
        self._attempts = attempts
        self._longest_wait_s = longest_wait_s

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        for attempt in range(1, self._attempts + 1):
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as err:
                if attempt == self._attempts or err.retry_after > self._longest_wait_s:
                    raise
                log.info("flood control", method=type(method).__name__, wait_s=err.retry_after)
                await asyncio.sleep(err.retry_after)
        raise AssertionError("unreachable")
