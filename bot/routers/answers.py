"""Replies to what the team asked: a reply to the bot's message, or the one open question.

A `secret` item is never answered in the chat: a message that may carry a value is deleted
and the person is told how to give it safely. Its text is never echoed or logged.
"""

from __future__ import annotations

from typing import Final

import structlog
from aiogram import Bot, F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.exceptions import TelegramAPIError
from aiogram.types import Message

from adapters.notify.telegram_text import escape
from bot import texts
from core.errors import Conflict
from core.known_secrets import KNOWN_SECRETS
from db.models import InboxEntry
from services.inbox import InboxServices
from services.telegram import Member, TelegramChats

log = structlog.get_logger()
router: Final[Router] = Router(name=__name__)
router.message.filter(F.chat.type == "private", F.text, ~F.text.startswith("/"))

TOKEN_LIKE_CHARS = 12  # one unbroken word this long, while a secret is asked for, may be one


@router.message(F.reply_to_message.as_("replied"))
async def reply_to_prompt(
    message: Message,
    replied: Message,
    member: Member,
    chats: TelegramChats,
    inbox: InboxServices,
    bot: Bot,
) -> None:
    prompt = await chats.prompt(chat_id=message.chat.id, message_id=replied.message_id)
    if prompt is None:
        raise SkipHandler()  # a reply to something else: read it as a new message
    entry = await inbox.get(prompt.item_id, tenant_id=member.tenant_id)
    if entry.kind in ("approval", "escalation") and not prompt.choice:
        await message.answer(texts.USE_BUTTONS)
        return
    await _answer(message, entry, prompt.choice, member, inbox, bot)


@router.message()
async def open_question(
    message: Message, member: Member, chats: TelegramChats, inbox: InboxServices, bot: Bot
) -> None:
    items = await chats.open_items(chat_id=message.chat.id, tenant_id=member.tenant_id)
    secrets = [i for i in items if i.kind == "secret"]
    if secrets and _may_be_a_secret(message.text or ""):
        await _refuse_secret(message, secrets[0], bot)
        return
    questions = [i for i in items if i.kind == "question"]
    if not questions:
        raise SkipHandler()  # nothing asked: a new idea
    if len(questions) > 1:
        await message.answer(texts.SEVERAL_QUESTIONS)
        return
    await _answer(message, questions[0], "", member, inbox, bot)


async def _answer(
    message: Message, entry: InboxEntry, choice: str, member: Member, inbox: InboxServices, bot: Bot
) -> None:
    if entry.kind == "secret":
        await _refuse_secret(message, entry, bot)
        return
    if entry.status != "open":
        await message.answer(texts.ALREADY_DECIDED)
        return
    try:
        outcome = await inbox.answer(
            entry.id,
            choice=choice,
            text=message.text or "",
            user=member.handle,
            tenant_id=member.tenant_id,
        )
    except Conflict:
        await message.answer(texts.ALREADY_DECIDED)
        return
    await message.answer(texts.QUEUED if outcome.queued else texts.ANSWERED)


async def _refuse_secret(message: Message, entry: InboxEntry, bot: Bot) -> None:
    name = entry.options[0].rsplit("/", 1)[-1] if entry.options else "NAME"
    words = {"project": escape(entry.project_id), "name": escape(name)}
    try:
        await bot.delete_message(message.chat.id, message.message_id)
    except TelegramAPIError:
        await message.answer(texts.SECRET_NOT_DELETED.format(**words))
        return
    log.info("deleted a message sent for a secret", item=entry.id)  # never its text
    await message.answer(texts.SECRET_DELETED.format(**words))


def _may_be_a_secret(text: str) -> bool:
    stripped = text.strip()
    one_word = bool(stripped) and not any(c.isspace() for c in stripped)
    return bool(KNOWN_SECRETS.found_in(text)) or (one_word and len(stripped) >= TOKEN_LIKE_CHARS)
