"""A service's "come back later" becomes the activity's next retry delay, never a sleep.

Adapters raise core.errors.RateLimited with the wait GitHub named (Retry-After or
X-RateLimit-Reset); here, on the way out of any activity, it becomes a retryable
ApplicationError carrying next_retry_delay, so Temporal schedules the next attempt then
(the workflow waits durably, holding no worker slot).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio.exceptions import ApplicationError
from temporalio.worker import ActivityInboundInterceptor, ExecuteActivityInput, Interceptor

from core.errors import RateLimited


class RateLimitInterceptor(Interceptor):
    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _Deferring(next)


class _Deferring(ActivityInboundInterceptor):
    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        try:
            return await super().execute_activity(input)
        except RateLimited as exc:
            raise ApplicationError(
                str(exc),
                type="RateLimited",
                next_retry_delay=timedelta(seconds=exc.retry_after_s),
            ) from exc
