"""The aiogram client for our Bot API server: api.telegram.org, or TELEGRAM_API_BASE."""

from __future__ import annotations

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import PRODUCTION, TelegramAPIServer

from core.settings import TelegramSettings


def make_bot(settings: TelegramSettings) -> Bot:
    """One Bot with one aiohttp session; whoever makes it closes `bot.session` at shutdown."""
    api = TelegramAPIServer.from_base(settings.api_base) if settings.api_base else PRODUCTION
    return Bot(
        settings.bot_token.get_secret_value(),
        session=AiohttpSession(api=api),
        # Every text we send is HTML with its values escaped (telegram_text.escape).
        default=DefaultBotProperties(parse_mode="HTML", link_preview_is_disabled=True),
    )
