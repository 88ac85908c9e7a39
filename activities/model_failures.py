"""Model failures that no retry can fix leave every activity as non-retryable errors.

A refused key or an unknown model (`ModelRequestRejected`), or a model that still answered
no valid spec, plan or verdict after being shown its mistakes (`StructuredOutputFailed`):
retrying the activity would pay for the same answer again. Failing at once lets the
project workflow escalate the stage to a person (workflows/project.py `_stage`), who can fix
the config and retry, instruct, or stop. Declared here, on the way out of any activity, so
the retry policies in workflow code stay as they are.
"""

from __future__ import annotations

from typing import Any

from temporalio.exceptions import ApplicationError
from temporalio.worker import ActivityInboundInterceptor, ExecuteActivityInput, Interceptor

from adapters.llm.failures import ModelRequestRejected
from core.errors import StructuredOutputFailed


class ModelFailureInterceptor(Interceptor):
    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _FailFast(next)


class _FailFast(ActivityInboundInterceptor):
    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        try:
            return await super().execute_activity(input)
        except (ModelRequestRejected, StructuredOutputFailed) as exc:
            raise ApplicationError(str(exc), type=type(exc).__name__, non_retryable=True) from exc
