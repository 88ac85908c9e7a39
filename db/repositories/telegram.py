"""Telegram's rows: invites, the chat of each project, handled updates, outbox and prompts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import (
    TelegramChat,
    TelegramInvite,
    TelegramOutbox,
    TelegramPrompt,
    TelegramUpdate,
    User,
    utcnow,
)


async def first_time(*, session: AsyncSession, update_id: int) -> bool:
    """Record `update_id`; False when it was recorded before (a redelivery)."""
    if await session.get(TelegramUpdate, update_id) is not None:
        return False
    try:
        async with session.begin_nested():
            session.add(TelegramUpdate(update_id=update_id))
    except IntegrityError:  # a second process took it in the same instant
        return False
    return True


async def user_by_telegram_id(*, session: AsyncSession, telegram_id: int) -> User | None:
    result = await session.exec(select(User).where(User.telegram_id == telegram_id))
    return result.first()


async def add_invite(
    *, session: AsyncSession, code: str, tenant_id: str, created_by: int, expires_at: datetime
) -> TelegramInvite:
    invite = TelegramInvite(
        code=code, tenant_id=tenant_id, created_by=created_by, expires_at=expires_at
    )
    session.add(invite)
    await session.flush()
    return invite


async def take_invite(*, session: AsyncSession, code: str, used_by: int) -> TelegramInvite | None:
    """The unused, unexpired invite with this code, now marked used; None otherwise."""
    invite = await session.get(TelegramInvite, code, with_for_update=True)
    if invite is None or invite.used_by is not None or _expired(invite.expires_at):
        return None
    invite.used_by = used_by
    session.add(invite)
    await session.flush()
    return invite


def _expired(when: datetime) -> bool:
    # SQLite hands timestamps back without their zone; they were written in UTC.
    return (when if when.tzinfo else when.replace(tzinfo=utcnow().tzinfo)) < utcnow()


async def link_chat(
    *, session: AsyncSession, project_id: str, tenant_id: str, chat_id: int
) -> TelegramChat:
    link = TelegramChat(project_id=project_id, tenant_id=tenant_id, chat_id=chat_id)
    session.add(link)
    await session.flush()
    return link


async def chat_of(*, session: AsyncSession, project_id: str) -> TelegramChat | None:
    return await session.get(TelegramChat, project_id)


async def projects_in_chat(*, session: AsyncSession, chat_id: int, tenant_id: str) -> list[str]:
    result = await session.exec(
        select(TelegramChat.project_id)
        .where(TelegramChat.chat_id == chat_id, TelegramChat.tenant_id == tenant_id)
        .order_by(col(TelegramChat.created_at))
    )
    return list(result.all())


async def enqueue(*, session: AsyncSession, row: TelegramOutbox) -> bool:
    """Add a message to the outbox once per key: a retried activity does not add it again."""
    found = await session.exec(
        select(TelegramOutbox).where(TelegramOutbox.once_key == row.once_key)
    )
    if found.first() is not None:
        return False
    session.add(row)
    await session.flush()
    return True


async def pending(*, session: AsyncSession, chat_id: int | None = None) -> list[TelegramOutbox]:
    query = select(TelegramOutbox).where(col(TelegramOutbox.sent).is_(False))
    if chat_id is not None:
        query = query.where(TelegramOutbox.chat_id == chat_id)
    result = await session.exec(query.order_by(col(TelegramOutbox.id)))
    return list(result.all())


async def mark_sent(*, session: AsyncSession, row_id: int, message_id: int) -> TelegramOutbox:
    row = await session.get(TelegramOutbox, row_id)
    assert row is not None
    row.sent, row.message_id = True, message_id
    session.add(row)
    if row.item_id:
        await add_prompt(
            session=session, chat_id=row.chat_id, message_id=message_id, item_id=row.item_id
        )
    return row


async def add_prompt(
    *, session: AsyncSession, chat_id: int, message_id: int, item_id: str, choice: str = ""
) -> None:
    session.add(
        TelegramPrompt(chat_id=chat_id, message_id=message_id, item_id=item_id, choice=choice)
    )
    await session.flush()


async def prompt_at(
    *, session: AsyncSession, chat_id: int, message_id: int
) -> TelegramPrompt | None:
    return await session.get(TelegramPrompt, (chat_id, message_id))


async def set_status_message(
    *, session: AsyncSession, project_id: str, message_id: int, text: str
) -> None:
    link = await session.get(TelegramChat, project_id)
    if link is not None:
        link.status_message_id, link.status_text = message_id, text
        session.add(link)
