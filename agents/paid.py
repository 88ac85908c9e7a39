"""Model calls already paid for when an agent fails: they travel on the error, so the
activity can record them (activities/context.py `paying`) before the failure leaves it."""

from __future__ import annotations

from collections.abc import Sequence

from adapters.llm.base import ModelReply

_PAID = "paid_replies"


def attach_paid(err: BaseException, replies: Sequence[ModelReply]) -> None:
    """Mark `err` with the replies paid before it; an outer agent's replies are added after
    an inner one's, so each reply is on the error once."""
    known: list[ModelReply] = getattr(err, _PAID, [])
    fresh = [r for r in replies if not any(r is k for k in known)]
    setattr(err, _PAID, known + fresh)


def paid_replies(err: BaseException) -> list[ModelReply]:
    return list(getattr(err, _PAID, []))
