"""Telling the project owner something (Telegram in production, the log when embedded)."""

from __future__ import annotations

from typing import Protocol


class Notifier(Protocol):
    name: str

    async def send(self, *, tenant_id: str, owner: str, project_id: str, text: str) -> None: ...
