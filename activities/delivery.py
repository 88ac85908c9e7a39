"""A notification the channel asked us to delay: retried by Temporal after the asked delay."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import timedelta

from temporalio import activity
from temporalio.exceptions import ApplicationError

from adapters.notify.base import DeliveryDelayed


async def delivered(sending: Awaitable[None]) -> None:
    """Await `sending`; a delay becomes a retryable error carrying Telegram's retry_after.

    On the policy's last attempt the delay is only logged: the message waits in the outbox
    and the bot sends it, rather than a notification failing the project's workflow.
    """
    try:
        await sending
    except DeliveryDelayed as delayed:
        info = activity.info()
        limit = info.retry_policy.maximum_attempts if info.retry_policy else 0
        if limit and info.attempt >= limit:
            activity.logger.warning("delivery delayed, left in the outbox: %s", delayed)
            return
        raise ApplicationError(
            str(delayed),
            type="DeliveryDelayed",
            next_retry_delay=timedelta(seconds=delayed.retry_after_s),
        ) from None
