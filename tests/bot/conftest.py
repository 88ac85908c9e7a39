"""The bot on a real stack, its real aiogram client talking to the fake Bot API server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from aiogram import Bot
from aiohttp import web

from bot.app import BotServices, bot_client, dispatcher
from core.settings import Settings, TelegramSettings
from services.projects import ProjectServices
from tests.fakes.telegram_server import FakeTelegram
from tests.stack import Stack

TOKEN = "123456789:AAHfakeTokenForTheTestsOnly_0123456789"
ADMIN = 1001
STRANGER = 2002


@dataclass
class BotStack:
    stack: Stack
    fake: FakeTelegram
    settings: Settings
    services: BotServices
    bot: Bot

    async def feed(self, update: dict[str, Any]) -> None:
        """What polling does with one update, without the polling."""
        await dispatcher().feed_raw_update(self.bot, update, **self.services.as_kwargs())


@pytest.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram(TOKEN)
    runner = web.AppRunner(fake.app())
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    fake.base = f"http://127.0.0.1:{runner.addresses[0][1]}"
    yield fake
    await runner.cleanup()


@pytest.fixture
async def tg(stack: Stack, fake_telegram: FakeTelegram) -> AsyncIterator[BotStack]:
    settings = stack.settings.model_copy(
        update={
            "telegram": TelegramSettings(
                bot_token=TOKEN, api_base=fake_telegram.base, admins=[ADMIN]
            ),
            "pipeline": stack.settings.pipeline.model_copy(
                update={"gates": ["spec"], "answer_wait_s": 5.0}
            ),
        }
    )
    projects = ProjectServices(settings, stack.sessions, stack.client)
    bot = bot_client(settings.telegram)
    yield BotStack(stack, fake_telegram, settings, BotServices.of(projects), bot)
    await bot.session.close()
