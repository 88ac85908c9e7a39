"""What the Telegram bot keeps: who may use it, which chat follows which project, handled updates.

Every call is one short transaction: SQLite allows one writer, and a transaction held open
across a Temporal call would stall the worker's own writes.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from core.settings import Settings
from db.engine import SessionFactory, transaction
from db.models import InboxEntry, TelegramPrompt, utcnow
from db.repositories import inbox, telegram, tenants


@dataclass(frozen=True)
class Member:
    """A Telegram user the bot serves: the handle they answer as, and their tenant."""

    telegram_id: int
    handle: str
    tenant_id: str
    admin: bool


def handle_for(telegram_id: int) -> str:
    return f"tg-{telegram_id}"


@dataclass(frozen=True)
class TelegramAccounts:
    settings: Settings
    sessions: SessionFactory

    async def identify(self, telegram_id: int) -> Member | None:
        """The member behind a Telegram user id; admins are let in on first contact."""
        admin = telegram_id in self.settings.telegram.admins
        async with transaction(self.sessions) as session:
            user = await telegram.user_by_telegram_id(session=session, telegram_id=telegram_id)
            if user is None and admin:
                await tenants.ensure_tenant(session=session, tenant_id=self.settings.tenant)
                user = await tenants.ensure_user(
                    session=session, tenant_id=self.settings.tenant, handle=handle_for(telegram_id)
                )
                user.telegram_id = telegram_id
                session.add(user)
        if user is None:
            return None
        return Member(telegram_id, user.handle, user.tenant_id, admin)

    async def invite(self, by: Member) -> str:
        code = secrets.token_urlsafe(9)
        expires = utcnow() + timedelta(seconds=self.settings.telegram.invite_ttl_s)
        async with transaction(self.sessions) as session:
            await telegram.add_invite(
                session=session,
                code=code,
                tenant_id=by.tenant_id,
                created_by=by.telegram_id,
                expires_at=expires,
            )
        return code

    async def redeem(self, code: str, telegram_id: int) -> Member | None:
        """Join the inviter's tenant with a code used once; None for any code that is not one."""
        if len(code) > 64:
            return None
        async with transaction(self.sessions) as session:
            invite = await telegram.take_invite(session=session, code=code, used_by=telegram_id)
            if invite is None:
                return None
            user = await tenants.ensure_user(
                session=session, tenant_id=invite.tenant_id, handle=handle_for(telegram_id)
            )
            user.telegram_id = telegram_id
            session.add(user)
        return Member(telegram_id, user.handle, invite.tenant_id, admin=False)

    async def first_time(self, update_id: int) -> bool:
        async with transaction(self.sessions) as session:
            return await telegram.first_time(session=session, update_id=update_id)


@dataclass(frozen=True)
class TelegramChats:
    sessions: SessionFactory

    async def follow(self, *, project_id: str, tenant_id: str, chat_id: int) -> None:
        async with transaction(self.sessions) as session:
            await telegram.link_chat(
                session=session, project_id=project_id, tenant_id=tenant_id, chat_id=chat_id
            )

    async def follow_unless_followed(
        self, *, project_id: str, tenant_id: str, chat_id: int
    ) -> None:
        """One chat follows a project: a project started elsewhere (the CLI) is taken on here."""
        async with transaction(self.sessions) as session:
            if await telegram.chat_of(session=session, project_id=project_id) is None:
                await telegram.link_chat(
                    session=session, project_id=project_id, tenant_id=tenant_id, chat_id=chat_id
                )

    async def projects(self, *, chat_id: int, tenant_id: str) -> list[str]:
        async with transaction(self.sessions) as session:
            return await telegram.projects_in_chat(
                session=session, chat_id=chat_id, tenant_id=tenant_id
            )

    async def prompt(self, *, chat_id: int, message_id: int) -> TelegramPrompt | None:
        async with transaction(self.sessions) as session:
            return await telegram.prompt_at(session=session, chat_id=chat_id, message_id=message_id)

    async def remember_prompt(
        self, *, chat_id: int, message_id: int, item_id: str, choice: str
    ) -> None:
        async with transaction(self.sessions) as session:
            await telegram.add_prompt(
                session=session,
                chat_id=chat_id,
                message_id=message_id,
                item_id=item_id,
                choice=choice,
            )

    async def open_items(self, *, chat_id: int, tenant_id: str) -> list[InboxEntry]:
        """The open items of the projects this chat follows, oldest first."""
        async with transaction(self.sessions) as session:
            followed = set(
                await telegram.projects_in_chat(
                    session=session, chat_id=chat_id, tenant_id=tenant_id
                )
            )
            entries = await inbox.list_open(session=session, tenant_id=tenant_id)
        return [e for e in entries if e.project_id in followed]
