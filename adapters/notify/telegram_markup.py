"""What the bot's buttons carry, shared by the notifier that sends them and the bot that reads them.

Callback data holds only the item id and the choice: the bot checks both against the open item,
the person pressing and their tenant before anything is sent to a workflow.
"""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import ForceReply, InlineKeyboardButton, InlineKeyboardMarkup

from core.contracts import InboxItem

LABELS = {
    "approve": "✅ Approve",
    "reject": "✖️ Reject…",
    "retry": "🔁 Retry",
    "instruct": "📝 Instruct…",
    "skip": "⏭ Skip",
    "abort": "⛔ Abort",
}
NEEDS_TEXT = frozenset({"reject", "instruct"})  # these ask for a reason before they are sent


class Decide(CallbackData, prefix="d"):
    item: str
    choice: str


def item_markup(item: InboxItem) -> InlineKeyboardMarkup | ForceReply | None:
    if item.kind in ("approval", "escalation"):
        buttons = [
            InlineKeyboardButton(
                text=LABELS.get(choice, choice),
                callback_data=Decide(item=item.id, choice=choice).pack(),
            )
            for choice in item.options
        ]
        return InlineKeyboardMarkup(
            inline_keyboard=[buttons[i : i + 2] for i in range(0, len(buttons), 2)]
        )
    if item.kind == "question":
        return ForceReply(input_field_placeholder="Your answer")
    return None  # a secret is never answered in the chat


def reason_prompt() -> ForceReply:
    return ForceReply(input_field_placeholder="Why? (your words go to the team)")
