"""Commands: /start, /help, /projects, /status, /inbox, /cancel, /rollback, /invite."""

from __future__ import annotations

from typing import Final

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import BotCommand, Message

from adapters.notify.telegram_markup import item_markup
from adapters.notify.telegram_render import inbox_text
from adapters.notify.telegram_text import escape
from bot import texts
from bot.views import entry_as_item, project_line, project_status
from core.contracts import InboxChange
from services.inbox import InboxServices
from services.projects import ProjectServices
from services.telegram import Member, TelegramAccounts, TelegramChats

router: Final[Router] = Router(name=__name__)
router.message.filter(F.chat.type == "private")

MENU = [
    BotCommand(command="new", description="start a project from an idea"),
    BotCommand(command="projects", description="your projects"),
    BotCommand(command="status", description="where a project is"),
    BotCommand(command="inbox", description="what waits for your decision"),
    BotCommand(command="cancel", description="stop a project"),
    BotCommand(command="change", description="a change to a live project"),
    BotCommand(command="rollback", description="put the previous release back"),
    BotCommand(command="help", description="what I can do"),
]


@router.message(CommandStart())
async def start(
    message: Message, command: CommandObject, member: Member | None, accounts: TelegramAccounts
) -> None:
    if member is None:
        assert message.from_user is not None  # the member middleware let only this through
        joined = await accounts.redeem((command.args or "").strip(), message.from_user.id)
        await message.answer(
            texts.BAD_INVITE if joined is None else f"{texts.WELCOME}\n\n{texts.HELP}"
        )
        return
    await message.answer(_help(member))


@router.message(Command("help"))
async def help_(message: Message, member: Member) -> None:
    await message.answer(_help(member))


@router.message(Command("projects"))
async def list_projects(message: Message, member: Member, projects: ProjectServices) -> None:
    found = await projects.list(tenant_id=member.tenant_id)
    lines = [project_line(p) for p in found[:20]]
    await message.answer("\n".join(lines) if lines else texts.NO_PROJECTS)


@router.message(Command("status"))
async def status(
    message: Message,
    command: CommandObject,
    member: Member,
    projects: ProjectServices,
    chats: TelegramChats,
) -> None:
    project_id = (command.args or "").strip()
    if not project_id:
        followed = await chats.projects(chat_id=message.chat.id, tenant_id=member.tenant_id)
        if not followed:
            await message.answer(texts.NO_PROJECTS)
            return
        project_id = followed[-1]
    project = await projects.get(project_id, tenant_id=member.tenant_id)
    await message.answer(project_status(project))


@router.message(Command("inbox"))
async def show_inbox(
    message: Message, member: Member, inbox: InboxServices, chats: TelegramChats
) -> None:
    entries = await inbox.open_items(tenant_id=member.tenant_id)
    if not entries:
        await message.answer(texts.INBOX_EMPTY)
        return
    for entry in entries[:10]:
        item = entry_as_item(entry)
        change = InboxChange(entry.project_id, entry.tenant_id, item, "opened")
        sent = await message.answer(inbox_text(change), reply_markup=item_markup(item))
        await chats.remember_prompt(
            chat_id=sent.chat.id, message_id=sent.message_id, item_id=item.id, choice=""
        )


@router.message(Command("cancel"))
async def cancel(
    message: Message, command: CommandObject, member: Member, projects: ProjectServices
) -> None:
    if not (project_id := _project_arg(command)):
        await message.answer(texts.NEED_PROJECT.format(command="/cancel", example="3f2a9c"))
        return
    project = await projects.cancel(project_id, tenant_id=member.tenant_id)
    await message.answer(texts.CANCELLING.format(project=escape(project.id)))


@router.message(Command("rollback"))
async def rollback(
    message: Message, command: CommandObject, member: Member, projects: ProjectServices
) -> None:
    if not (project_id := _project_arg(command)):
        await message.answer(texts.NEED_PROJECT.format(command="/rollback", example="3f2a9c"))
        return
    project = await projects.get(project_id, tenant_id=member.tenant_id)  # before "rolling back"
    await message.answer(texts.ROLLING_BACK.format(project=escape(project.id)))
    result = await projects.rollback(project.id, tenant_id=member.tenant_id)
    mark = "↩️" if result.status == "healthy" else "⚠️"
    await message.answer(f"{mark} {escape(result.status)}: {escape(result.message)}")


@router.message(Command("invite"))
async def invite(message: Message, member: Member, accounts: TelegramAccounts) -> None:
    if not member.admin:
        await message.answer(texts.ADMINS_ONLY)
        return
    code = await accounts.invite(member)
    days = accounts.settings.telegram.invite_ttl_s // 86400 or 1
    await message.answer(texts.INVITE.format(code=escape(code), days=days))


async def set_menu(bot: Bot) -> None:
    await bot.set_my_commands(MENU)


def _project_arg(command: CommandObject) -> str:
    return (command.args or "").strip().split(" ")[0]


def _help(member: Member) -> str:
    return texts.HELP + (texts.ADMIN_HELP if member.admin else "")
