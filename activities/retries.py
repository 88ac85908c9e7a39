"""Say so when an activity runs again: after a crash it is the first sign of life."""

from __future__ import annotations

from typing import Any

from temporalio import activity
from temporalio.worker import (
    ActivityInboundInterceptor,
    ExecuteActivityInput,
    Interceptor,
)

from activities.context import ActivityContext


class RetryReporter(Interceptor):
    """Records an `activity_retried` event for a project's activity attempts after the first."""

    def __init__(self, ctx: ActivityContext) -> None:
        self._ctx = ctx

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _Reporting(next, self._ctx)


class _Reporting(ActivityInboundInterceptor):
    def __init__(self, next: ActivityInboundInterceptor, ctx: ActivityContext) -> None:
        super().__init__(next)
        self._ctx = ctx

    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        info = activity.info()
        arg = input.args[0] if input.args else None
        project_id, tenant_id = getattr(arg, "project_id", None), getattr(arg, "tenant_id", None)
        if info.attempt > 1 and isinstance(project_id, str) and isinstance(tenant_id, str):
            await self._ctx.record_event(
                tenant_id,
                project_id,
                "activity_retried",
                f"{info.activity_type}: attempt {info.attempt}",
                {"workflow_id": info.workflow_id, "attempt": info.attempt},
                once_per=f"attempt-{info.attempt}",
            )
        return await super().execute_activity(input)
