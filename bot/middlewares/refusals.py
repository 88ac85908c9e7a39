"""Refusals from services/ (bad input, a closed item, Temporal down) become a polite reply."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, Message, TelegramObject

from adapters.notify.telegram_text import escape
from bot import texts
from core.errors import OrchestratorError, ServiceUnavailable

ALERT_LIMIT = 190  # Telegram cuts a callback answer at 200 characters


class RefusalMiddleware(BaseMiddleware):
    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        try:
            return await handler(event, data)
        except OrchestratorError as err:
            # Written for the person who caused it (core/errors.py); never a traceback.
            said = texts.UNAVAILABLE if isinstance(err, ServiceUnavailable) else str(err)
            if isinstance(event, CallbackQuery):
                await event.answer(said[:ALERT_LIMIT], show_alert=True)
            elif isinstance(event, Message):
                await event.answer(escape(said[:1000]))
            return None
