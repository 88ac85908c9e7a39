"""The words the owner reads in Telegram: inbox items and the project's status message."""

from __future__ import annotations

from adapters.notify.telegram_text import escape
from core.contracts import InboxChange, ProgressUpdate

STAGE_MARK = {"pending": "▫️", "running": "⏳", "completed": "✅", "failed": "❌", "cancelled": "⛔"}
KIND_TITLE = {
    "question": "❓ Question",
    "approval": "🟢 Approval needed",
    "escalation": "🚨 Stuck — your decision",
    "secret": "🔑 A secret is needed",
}


def inbox_text(change: InboxChange) -> str:
    item = change.item
    title = KIND_TITLE.get(item.kind, item.kind)
    if change.change == "reminded":
        title = f"⏰ Still waiting — {title}"
    lines = [
        f"<b>{title}</b> · project <code>{escape(change.project_id)}</code>",
        escape(item.prompt),
    ]
    if item.context:
        lines.append(f"<i>{escape(item.context[:1500])}</i>")
    if item.kind == "question":
        lines.append("Reply to this message with your answer.")
    if item.kind == "secret":
        lines.append(
            "⚠️ Do not send the value here: chats are not a safe place for it. Use "
            "<code>orchestrator secrets set</code> or the API, as above."
        )
    return "\n\n".join(lines)


def status_text(update: ProgressUpdate, name: str, pull_requests: list[int]) -> str:
    lines = [f"<b>{escape(name)}</b> · <code>{escape(update.project_id)}</code>"]
    for stage in update.stages:
        detail = f" — {escape(stage.detail[:200])}" if stage.detail else ""
        lines.append(f"{STAGE_MARK.get(stage.status, '▫️')} {stage.name}{detail}")
    if pull_requests:
        lines.append("Pull requests: " + ", ".join(f"#{n}" for n in sorted(pull_requests)))
    if update.live_url:
        lines.append(f"🌐 Live: {escape(update.live_url)}")
    if update.status in ("failed", "cancelled") and update.error:
        lines.append(f"Status: {update.status} — {escape(update.error[:500])}")
    else:
        lines.append(f"Status: {update.status}")
    return "\n".join(lines)
