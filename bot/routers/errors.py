"""The last line: a failure is logged with its update id; the person hears a short apology."""

from __future__ import annotations

from contextlib import suppress
from typing import Final

import structlog
from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import ErrorEvent, Update

from bot import texts

log = structlog.get_logger()
router: Final[Router] = Router(name=__name__)


@router.errors()
async def on_error(event: ErrorEvent, bot: Bot) -> bool:
    update = event.update
    # Redacted by core/logging.py like every record; the chat never sees any of it.
    log.error(
        "update failed",
        update_id=update.update_id,
        error=repr(event.exception),
        exc_info=event.exception,
    )
    with suppress(TelegramAPIError):  # Telegram itself may be what failed
        if update.callback_query is not None:
            await update.callback_query.answer(texts.OOPS, show_alert=True)
        elif (chat := _private_chat(update)) is not None:
            await bot.send_message(chat, texts.OOPS)
    return True


def _private_chat(update: Update) -> int | None:
    message = update.message or update.edited_message
    if message is None or message.chat.type != "private":
        return None
    return message.chat.id
