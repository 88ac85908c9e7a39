"""Owner notifications in the project's Telegram chat, through a durable outbox.

A message is written to the outbox first (once per activity, however often it is retried), then
sent. Telegram's 429 becomes DeliveryDelayed with its retry_after, which the activity turns into
a retryable error with that delay; whatever is still unsent when the activity gives up stays in
the outbox and the bot's drain loop sends it, so an outage delays messages and loses none.
Projects that no chat follows are told through the fallback (the log).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable
from typing import TypeVar

import structlog
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramNetworkError, TelegramRetryAfter
from aiogram.types import ForceReply, InlineKeyboardMarkup

from adapters.notify.base import DeliveryDelayed, Notifier
from adapters.notify.telegram_markup import item_markup
from adapters.notify.telegram_render import inbox_text, status_text
from adapters.notify.telegram_text import split_escaped
from core.contracts import InboxChange, ProgressUpdate
from db.engine import SessionFactory, transaction
from db.models import TelegramOutbox
from db.repositories import projects, tasks, telegram

log = structlog.get_logger()
NETWORK_RETRY_S = 5.0
T = TypeVar("T")


class TelegramNotifier:
    name = "telegram"

    def __init__(self, bot: Bot, sessions: SessionFactory, fallback: Notifier) -> None:
        self._bot = bot
        self._sessions = sessions
        self._fallback = fallback

    async def send(
        self, *, tenant_id: str, owner: str, project_id: str, text: str, key: str | None = None
    ) -> None:
        await self._fallback.send(
            tenant_id=tenant_id, owner=owner, project_id=project_id, text=text
        )
        chunks = split_escaped(text)
        await self._post(tenant_id, project_id, chunks, None, None, key)

    async def inbox(self, change: InboxChange, text: str, *, key: str | None = None) -> None:
        await self._fallback.inbox(change, text)
        markup = item_markup(change.item)
        dumped = None if markup is None else markup.model_dump(mode="json", exclude_none=True)
        await self._post(
            change.tenant_id, change.project_id, [inbox_text(change)], dumped, change.item.id, key
        )

    async def progress(self, update: ProgressUpdate) -> None:
        async with transaction(self._sessions) as session:
            link = await telegram.chat_of(session=session, project_id=update.project_id)
            if link is None:
                return
            project = await projects.get(
                session=session, tenant_id=update.tenant_id, project_id=update.project_id
            )
            rows = await tasks.list_for_project(
                session=session, tenant_id=update.tenant_id, project_id=update.project_id
            )
        text = status_text(update, project.name, [t.pr_number for t in rows if t.pr_number])
        if text == link.status_text:
            return  # Telegram refuses an edit that changes nothing
        message_id = await self._show_status(link.chat_id, link.status_message_id, text)
        async with transaction(self._sessions) as session:
            await telegram.set_status_message(
                session=session, project_id=update.project_id, message_id=message_id, text=text
            )

    async def deliver(self, chat_id: int | None = None) -> int:
        """Send what waits in the outbox (one chat's, or all), oldest first; how many went."""
        async with transaction(self._sessions) as session:
            rows = await telegram.pending(session=session, chat_id=chat_id)
        for row in rows:
            assert row.id is not None
            message = await self._call(
                self._bot.send_message(
                    row.chat_id, row.text, parse_mode="HTML", reply_markup=_markup(row.markup)
                )
            )
            async with transaction(self._sessions) as session:
                await telegram.mark_sent(
                    session=session, row_id=row.id, message_id=message.message_id
                )
        return len(rows)

    async def _post(
        self,
        tenant_id: str,
        project_id: str,
        chunks: list[str],
        markup: dict[str, object] | None,
        item_id: str | None,
        key: str | None,
    ) -> None:
        key = key or uuid.uuid4().hex
        async with transaction(self._sessions) as session:
            link = await telegram.chat_of(session=session, project_id=project_id)
            if link is None:
                return
            for index, chunk in enumerate(chunks):
                last = index == len(chunks) - 1  # buttons and replies belong to the end
                await telegram.enqueue(
                    session=session,
                    row=TelegramOutbox(
                        tenant_id=tenant_id,
                        project_id=project_id,
                        chat_id=link.chat_id,
                        text=chunk,
                        markup=markup if last else None,
                        item_id=item_id if last else None,
                        once_key=f"{key}/{index}",
                    ),
                )
        await self.deliver(link.chat_id)

    async def _show_status(self, chat_id: int, message_id: int | None, text: str) -> int:
        if message_id is not None:
            try:
                await self._call(
                    self._bot.edit_message_text(
                        text=text, chat_id=chat_id, message_id=message_id, parse_mode="HTML"
                    )
                )
                return message_id
            except TelegramBadRequest as err:
                if "not modified" in err.message:
                    return message_id
                log.warning("status message gone; sending a new one", error=err.message)
        message = await self._call(self._bot.send_message(chat_id, text, parse_mode="HTML"))
        return message.message_id

    @staticmethod
    async def _call(request: Awaitable[T]) -> T:
        try:
            return await request
        except TelegramRetryAfter as err:
            raise DeliveryDelayed(
                f"Telegram asks to wait {err.retry_after} s", err.retry_after
            ) from None
        except TelegramNetworkError as err:
            raise DeliveryDelayed(
                f"Telegram cannot be reached: {err.message}", NETWORK_RETRY_S
            ) from None


def _markup(stored: dict[str, object] | None) -> InlineKeyboardMarkup | ForceReply | None:
    if stored is None:
        return None
    if "inline_keyboard" in stored:
        return InlineKeyboardMarkup.model_validate(stored)
    return ForceReply.model_validate(stored)
