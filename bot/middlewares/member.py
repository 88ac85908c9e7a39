"""Who is writing: a member (user → tenant) the handlers receive as `member`, or a stranger.

Strangers get one polite refusal and nothing else; the only thing they can do is
`/start <invite code>`, which the commands router handles with `member` set to None.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, Message, TelegramObject

from bot import texts
from services.telegram import TelegramAccounts


class MemberMiddleware(BaseMiddleware):
    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        accounts: TelegramAccounts = data["accounts"]  # given to the dispatcher at start
        user = data.get("event_from_user")
        member = None if user is None or user.is_bot else await accounts.identify(user.id)
        data["member"] = member
        if member is not None or _is_invite(event):
            return await handler(event, data)
        if isinstance(event, CallbackQuery):
            await event.answer(texts.STRANGER, show_alert=True)
        elif isinstance(event, Message) and event.chat.type == "private":
            await event.answer(texts.STRANGER)
        return None  # groups and channels: silence is the polite answer there


def _is_invite(event: TelegramObject) -> bool:
    return (
        isinstance(event, Message)
        and event.chat.type == "private"
        and (event.text or "").startswith("/start ")
    )
