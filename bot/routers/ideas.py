"""New projects: `/new <idea>`, or any text when nothing waits for an answer."""

from __future__ import annotations

from typing import Final

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from adapters.notify.telegram_text import escape
from bot import texts
from services.projects import ProjectServices
from services.telegram import Member

router: Final[Router] = Router(name=__name__)
router.message.filter(F.chat.type == "private")


@router.message(Command("new"))
async def new(
    message: Message, command: CommandObject, member: Member, projects: ProjectServices
) -> None:
    if not (command.args or "").strip():
        await message.answer(texts.NEED_IDEA)
        return
    await _start(message, command.args or "", member, projects)


@router.message(F.text, ~F.text.startswith("/"))
async def plain_idea(message: Message, member: Member, projects: ProjectServices) -> None:
    await _start(message, message.text or "", member, projects)


async def _start(message: Message, idea: str, member: Member, projects: ProjectServices) -> None:
    # Refusals (empty, too long) come back as InvalidInput and are said politely.
    project = await projects.submit(
        idea, tenant_id=member.tenant_id, owner=member.handle, telegram_chat=message.chat.id
    )
    await message.answer(texts.STARTED.format(project=escape(project.id)))
