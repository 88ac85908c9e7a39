"""/change <project> <text>: a change request to a live project, from the chat.

The change runs as the CLI's and the API's do (services/changes.py); its questions, its
progress and how it ended reach this chat as the owner's notifications, and a question is
answered by replying to it (bot/routers/answers.py).
"""

from __future__ import annotations

from typing import Final

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from adapters.notify.telegram_text import escape
from bot import texts
from services.changes import ChangeServices
from services.telegram import Member, TelegramChats

router: Final[Router] = Router(name=__name__)
router.message.filter(F.chat.type == "private")


@router.message(Command("change"))
async def change(
    message: Message,
    command: CommandObject,
    member: Member,
    changes: ChangeServices,
    chats: TelegramChats,
) -> None:
    project_id, _, text = (command.args or "").strip().partition(" ")
    if not project_id or not text.strip():
        await message.answer(texts.NEED_CHANGE)
        return
    project = await changes.projects.get(project_id, tenant_id=member.tenant_id)
    # A project no chat follows yet is followed from here, before the change can ask its
    # first question: its questions and how it ended come to this chat.
    await chats.follow_unless_followed(
        chat_id=message.chat.id, project_id=project.id, tenant_id=member.tenant_id
    )
    submitted = await changes.submit(
        project.id, text, tenant_id=member.tenant_id, requested_by=member.handle
    )
    await message.answer(
        texts.CHANGE_QUEUED.format(number=submitted.number, project=escape(project.id))
    )
