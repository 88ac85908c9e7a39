"""Telling the project owner something (Telegram in production, the log when embedded)."""

from __future__ import annotations

from typing import Protocol

from core.contracts import InboxChange, ProgressUpdate


class DeliveryDelayed(Exception):
    """The channel asked us to wait (Telegram's 429) or is down; the message is kept."""

    def __init__(self, message: str, retry_after_s: float) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class Notifier(Protocol):
    name: str

    # `key`: the same for every attempt of one activity, so a retry never sends twice.
    async def send(
        self, *, tenant_id: str, owner: str, project_id: str, text: str, key: str | None = None
    ) -> None: ...

    async def inbox(self, change: InboxChange, text: str, *, key: str | None = None) -> None:
        """An item opened or reminded: a channel with buttons offers the choices."""

    async def progress(self, update: ProgressUpdate) -> None:
        """A stage moved: a channel that can edit a message shows it in place."""
