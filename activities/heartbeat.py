"""Every activity heartbeats while it runs, so a dead worker is noticed within seconds.

Installed on the worker as an interceptor rather than sprinkled over activities: a model
call, a git push, an Ansible run or a sandbox command all await something that can take
long, and one that forgot to heartbeat would make a crash cost minutes again.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from temporalio import activity
from temporalio.worker import (
    ActivityInboundInterceptor,
    ExecuteActivityInput,
    Interceptor,
)

# Heartbeats are throttled by the worker before they reach the server; beating more often
# here only keeps the throttle fed.
_BEAT_EVERY_S = 0.5


@asynccontextmanager
async def heartbeating(every_s: float = _BEAT_EVERY_S) -> AsyncIterator[None]:
    async def beat() -> None:
        while True:
            activity.heartbeat()
            await asyncio.sleep(every_s)

    task = asyncio.create_task(beat())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


class HeartbeatInterceptor(Interceptor):
    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _Heartbeating(next)


class _Heartbeating(ActivityInboundInterceptor):
    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        if activity.info().heartbeat_timeout is None:
            return await super().execute_activity(input)
        async with heartbeating():
            return await super().execute_activity(input)
