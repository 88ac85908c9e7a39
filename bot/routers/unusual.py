"""Everything the other routers leave: media, unknown commands, edits, groups and channels.

Each gets one short answer in a private chat; elsewhere answering would be noise.
"""

from __future__ import annotations

from typing import Final

from aiogram import F, Router
from aiogram.types import Message

from bot import texts

router: Final[Router] = Router(name=__name__)


@router.message(F.chat.type != "private")
@router.edited_message(F.chat.type != "private")
async def not_private(message: Message) -> None:
    return None  # the bot works in private chats; a group hears nothing from it


@router.message(F.text.startswith("/"))
async def unknown_command(message: Message) -> None:
    await message.answer(texts.UNKNOWN_COMMAND)


@router.message()
async def not_text(message: Message) -> None:
    await message.answer(texts.TEXT_ONLY)


@router.edited_message()
async def edited(message: Message) -> None:
    await message.answer(texts.EDITED)
