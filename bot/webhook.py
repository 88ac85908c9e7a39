"""Webhook mode: Telegram pushes updates to a small aiohttp app of the bot's own.

The API app stays out of it: the webhook must face the internet, the API must not (it has no
authentication yet). aiogram's handler compares X-Telegram-Bot-Api-Secret-Token in constant
time (secrets.compare_digest) and answers 401 to anything else.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web

from core.errors import InvalidInput
from core.settings import TelegramSettings


def webhook_app(
    bot: Bot, dp: Dispatcher, settings: TelegramSettings, data: dict[str, Any]
) -> web.Application:
    secret = settings.webhook_secret.get_secret_value()
    if not secret:
        raise InvalidInput("TELEGRAM_WEBHOOK_SECRET must be set when TELEGRAM_WEBHOOK_URL is")
    app = web.Application()
    SimpleRequestHandler(dp, bot, secret_token=secret, **data).register(
        app, path=urlsplit(settings.webhook_url).path or "/"
    )
    setup_application(app, dp, bot=bot, **data)
    return app


async def serve_webhook(
    bot: Bot, dp: Dispatcher, settings: TelegramSettings, data: dict[str, Any], stop: asyncio.Event
) -> None:
    runner = web.AppRunner(webhook_app(bot, dp, settings, data))
    await runner.setup()
    try:
        await web.TCPSite(runner, settings.webhook_host, settings.webhook_port).start()
        await bot.set_webhook(
            settings.webhook_url,
            secret_token=settings.webhook_secret.get_secret_value(),
            allowed_updates=dp.resolve_used_update_types(),
        )
        await stop.wait()
    finally:
        await runner.cleanup()
