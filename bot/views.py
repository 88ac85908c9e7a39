"""Rows from services/ as chat text (HTML, every value escaped)."""

from __future__ import annotations

from typing import cast

from adapters.notify.telegram_text import escape
from core.contracts import InboxItem
from core.vocabulary import InboxKind, StageName
from db.models import InboxEntry, Project

STATUS_MARK = {
    "queued": "🕓",
    "running": "⏳",
    "completed": "✅",
    "failed": "❌",
    "cancelled": "⛔",
}


def project_line(project: Project) -> str:
    mark = STATUS_MARK.get(project.status, "•")
    return f"{mark} <code>{escape(project.id)}</code> {escape(project.name)} — {project.status}"


def project_status(project: Project) -> str:
    lines = [
        f"<b>{escape(project.name)}</b> · <code>{escape(project.id)}</code>",
        f"Status: {escape(project.status)}, stage: {escape(project.stage)}",
    ]
    if project.live_url:
        lines.append(f"🌐 Live: {escape(project.live_url)}")
    if project.error:
        lines.append(f"Error: {escape(project.error[:500])}")
    return "\n".join(lines)


def entry_as_item(entry: InboxEntry) -> InboxItem:
    return InboxItem(
        id=entry.id,
        kind=cast(InboxKind, entry.kind),
        prompt=entry.prompt,
        stage=cast(StageName, entry.stage),
        options=list(entry.options),
        context=entry.context,
    )
