"""Each update is handled once: Telegram redelivers updates after a restart or a timeout."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update

from services.telegram import TelegramAccounts


class UpdateOnceMiddleware(BaseMiddleware):
    """Records the update id in the DB before any handler runs; a known one is dropped.

    At most once, on purpose: a reply sent twice (an answer, an approval) is worse than an
    update lost to a crash mid-handler, which the person can simply send again.
    """

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        accounts: TelegramAccounts = data["accounts"]  # given to the dispatcher at start
        assert isinstance(event, Update)
        if not await accounts.first_time(event.update_id):
            return None
        return await handler(event, data)
