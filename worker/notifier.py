"""Which notifier the worker's activities tell owners through: Telegram when a token is set."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from adapters.notify.base import Notifier
from adapters.notify.log import LogNotifier
from core.settings import Settings
from db.engine import SessionFactory


@asynccontextmanager
async def owner_notifier(settings: Settings, sessions: SessionFactory) -> AsyncIterator[Notifier]:
    """The notifier for the worker's life; its HTTP session is closed when the worker stops."""
    if not settings.telegram.enabled:
        yield LogNotifier()
        return
    # Imported only here: aiogram takes seconds to import and the log notifier needs none of it.
    from adapters.notify.telegram import TelegramNotifier
    from adapters.notify.telegram_client import make_bot

    bot = make_bot(settings.telegram)
    try:
        yield TelegramNotifier(bot, sessions, LogNotifier())
    finally:
        await bot.session.close()
