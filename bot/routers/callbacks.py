"""Buttons of approvals and escalations. The data names an item and a choice, nothing more:
both are checked against the open item and the presser's tenant; the workflow checks the owner."""

from __future__ import annotations

from contextlib import suppress
from typing import Final

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery, InaccessibleMessage, Message

from adapters.notify.telegram_markup import NEEDS_TEXT, Decide, reason_prompt
from adapters.notify.telegram_text import escape
from bot import texts
from core.errors import Conflict, NotFound
from services.inbox import InboxServices
from services.telegram import Member, TelegramChats

router: Final[Router] = Router(name=__name__)


@router.callback_query(Decide.filter())
async def decide(
    query: CallbackQuery,
    callback_data: Decide,
    member: Member,
    inbox: InboxServices,
    chats: TelegramChats,
    bot: Bot,
) -> None:
    try:
        entry = await inbox.get(callback_data.item, tenant_id=member.tenant_id)
    except NotFound:
        await query.answer(texts.STALE_BUTTON, show_alert=True)
        return
    if entry.status != "open":
        await query.answer(texts.ALREADY_DECIDED)
        await _close_buttons(query, "")
        return
    if callback_data.choice not in entry.options:
        await query.answer(texts.STALE_BUTTON, show_alert=True)
        return
    if callback_data.choice in NEEDS_TEXT:
        await _ask_for_text(query, entry.id, callback_data.choice, chats, bot)
        return
    try:
        await inbox.answer(
            entry.id, choice=callback_data.choice, user=member.handle, tenant_id=member.tenant_id
        )
    except Conflict:  # pressed twice at once, or answered elsewhere meanwhile
        await query.answer(texts.ALREADY_DECIDED)
        return
    await query.answer(texts.DECIDED.format(choice=callback_data.choice))
    await _close_buttons(query, f"\n\n<b>→ {escape(callback_data.choice)}</b>")


@router.callback_query()
async def unknown_button(query: CallbackQuery) -> None:
    await query.answer(texts.STALE_BUTTON, show_alert=True)  # tampered or from an old version


async def _ask_for_text(
    query: CallbackQuery, item_id: str, choice: str, chats: TelegramChats, bot: Bot
) -> None:
    chat = query.message.chat.id if query.message else query.from_user.id
    ask = texts.ASK_REASON if choice == "reject" else texts.ASK_INSTRUCTIONS
    sent = await bot.send_message(chat, ask, reply_markup=reason_prompt())
    await chats.remember_prompt(
        chat_id=chat, message_id=sent.message_id, item_id=item_id, choice=choice
    )
    await query.answer()


async def _close_buttons(query: CallbackQuery, note: str) -> None:
    """Take the buttons off the decided message so nobody presses them again."""
    message = query.message
    if message is None or isinstance(message, InaccessibleMessage):
        return
    assert isinstance(message, Message)
    with suppress(TelegramAPIError):  # too old to edit, or already edited: the answer stands
        if note and message.html_text:
            await message.edit_text(message.html_text + note, reply_markup=None)
        else:
            await message.edit_reply_markup(reply_markup=None)
