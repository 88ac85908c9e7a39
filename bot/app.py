"""Composition root of the bot: settings → client → dispatcher → polling or webhook.

The dispatcher and its routers are built once per process (a router belongs to one parent);
the services arrive as keyword arguments of polling or the webhook handler, and from there in
every middleware and handler by parameter name.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from functools import cache
from typing import Any

import structlog
from aiogram import Bot, Dispatcher

from adapters.notify.base import DeliveryDelayed
from adapters.notify.log import LogNotifier
from adapters.notify.telegram import TelegramNotifier
from adapters.notify.telegram_client import make_bot
from bot.middlewares.member import MemberMiddleware
from bot.middlewares.once import UpdateOnceMiddleware
from bot.middlewares.refusals import RefusalMiddleware
from bot.middlewares.retry import WaitOutFloodControl
from bot.routers import answers, callbacks, changes, commands, errors, ideas, unusual
from core.settings import TelegramSettings
from services.changes import ChangeServices
from services.inbox import InboxServices
from services.projects import ProjectServices
from services.telegram import TelegramAccounts, TelegramChats

log = structlog.get_logger()
OUTBOX_EVERY_S = 2.0


@dataclass(frozen=True)
class BotServices:
    """What handlers receive, by these names."""

    projects: ProjectServices
    inbox: InboxServices
    accounts: TelegramAccounts
    chats: TelegramChats
    changes: ChangeServices

    @classmethod
    def of(cls, projects: ProjectServices) -> BotServices:
        return cls(
            projects,
            InboxServices(projects),
            TelegramAccounts(projects.settings, projects.sessions),
            TelegramChats(projects.sessions),
            ChangeServices(projects),
        )

    def as_kwargs(self) -> dict[str, Any]:
        return {
            "projects": self.projects,
            "inbox": self.inbox,
            "accounts": self.accounts,
            "chats": self.chats,
            "changes": self.changes,
        }


@cache
def dispatcher() -> Dispatcher:
    dp = Dispatcher()
    dp.update.outer_middleware(UpdateOnceMiddleware())
    member, refusals = MemberMiddleware(), RefusalMiddleware()
    for observer in (dp.message, dp.edited_message, dp.callback_query):
        observer.outer_middleware(member)
        observer.middleware(refusals)
    dp.include_routers(
        errors.router,
        commands.router,
        changes.router,
        callbacks.router,
        answers.router,
        ideas.router,
        unusual.router,
    )
    return dp


def bot_client(settings: TelegramSettings) -> Bot:
    """The bot's client: one HTTP session for its life; its own requests wait out a 429."""
    bot = make_bot(settings)
    bot.session.middleware(WaitOutFloodControl())
    return bot


async def run_bot(bot: Bot, services: BotServices, stop: asyncio.Event) -> None:
    """Serve updates until `stop` is set, then close the bot's HTTP session."""
    settings = services.projects.settings.telegram
    dp = dispatcher()
    drain = asyncio.create_task(drain_outbox(bot, services))
    try:
        await commands.set_menu(bot)
        if settings.webhook_url:
            from bot.webhook import serve_webhook

            await serve_webhook(bot, dp, settings, services.as_kwargs(), stop)
        else:
            await _poll(bot, dp, services, stop)
    finally:
        drain.cancel()
        await asyncio.gather(drain, return_exceptions=True)
        await bot.session.close()


async def _poll(bot: Bot, dp: Dispatcher, services: BotServices, stop: asyncio.Event) -> None:
    await bot.delete_webhook()  # a webhook left set would make getUpdates fail
    polling = asyncio.create_task(
        dp.start_polling(
            bot,
            handle_signals=False,
            close_bot_session=False,
            allowed_updates=dp.resolve_used_update_types(),
            **services.as_kwargs(),
        )
    )
    stopped = asyncio.create_task(stop.wait())
    await asyncio.wait([polling, stopped], return_when=asyncio.FIRST_COMPLETED)
    if not polling.done():
        await dp.stop_polling()
    stopped.cancel()
    await polling


async def drain_outbox(bot: Bot, services: BotServices) -> None:
    """Send what the worker's notifier could not (Telegram was down or rate limited)."""
    outbox = TelegramNotifier(bot, services.projects.sessions, LogNotifier())
    while True:
        try:
            sent = await outbox.deliver()
            if sent:
                log.info("outbox delivered", messages=sent)
            await asyncio.sleep(OUTBOX_EVERY_S)
        except DeliveryDelayed as delayed:
            await asyncio.sleep(delayed.retry_after_s)
        except asyncio.CancelledError:
            raise
        except Exception as err:  # noqa: BLE001 - the loop outlives one bad round
            log.warning("outbox round failed", error=repr(err))
            await asyncio.sleep(OUTBOX_EVERY_S)
