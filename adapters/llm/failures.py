"""A provider's failure, as the activity's retry policy must see it.

- 429: `RateLimited` with the provider's retry-after, which the worker turns into the
  activity's next retry delay (activities/rate_limits.py): Temporal waits, nobody sleeps.
- bad key, unknown model, a request the provider refuses: `ModelRequestRejected`, which
  the retry policies list as non-retryable (workflows/policies.py), so the stage fails at
  once and escalates to a person.
- 5xx, timeouts, dropped connections, a body that is not JSON: `ModelUnavailable`, retried.

Messages name the role, the provider and the model; never the key, which no provider
error carries either (they name at most its last four characters, and we do not copy text
from authentication errors).
"""

from __future__ import annotations

import json
from email.utils import parsedate_to_datetime
from typing import Any

from core.errors import OrchestratorError, RateLimited, ServiceUnavailable
from core.model_configs import ModelConfig

# When a 429 names no wait: long enough for a per-minute window to move on.
DEFAULT_RETRY_AFTER_S = 10.0
MAX_RETRY_AFTER_S = 600.0


class ModelRequestRejected(OrchestratorError):
    """The provider refused the request (bad key, unknown model, bad payload); retrying the
    same request cannot succeed."""


class ModelUnavailable(ServiceUnavailable):
    """The provider failed this time (5xx, timeout, malformed answer); a retry may succeed."""


# Where a provider SDK's or its transport's errors come from; anything else is our own bug,
# which must surface as itself rather than as a retryable provider outage.
_PROVIDER_MODULES = ("openai", "anthropic", "google", "httpx", "httpcore", "langchain")


def is_provider_error(exc: Exception) -> bool:
    if isinstance(exc, TimeoutError | ConnectionError | json.JSONDecodeError):
        return True  # the last: a provider's body that is not JSON (the SDKs let it through)
    return any(cls.__module__.startswith(_PROVIDER_MODULES) for cls in type(exc).__mro__)


def as_failure(exc: Exception, config: ModelConfig) -> Exception:
    """The error to raise instead of `exc`, a provider's (`is_provider_error`)."""
    who = f"the {config.role} model ({config.provider}, model {config.model!r})"
    status = _status(exc)
    if status == 429:
        wait = retry_after_s(_headers(exc))
        return RateLimited(
            f"{who} is rate limited (HTTP 429); retrying in {wait:.0f} s", retry_after_s=wait
        )
    if status in (401, 403):
        return ModelRequestRejected(
            f"{who} refused the API key (HTTP {status}); check the secret behind "
            f"{config.api_key_handle or 'LLM_API_KEY'} (`orchestrator models show "
            f"{config.role}`)"
        )
    if status == 404:
        return ModelRequestRejected(
            f"{who} does not exist for this provider (HTTP 404): {_detail(exc)}; "
            f"set another with `orchestrator models set {config.role} ...`"
        )
    if status is not None and 400 <= status < 500 and status not in (408, 409):
        return ModelRequestRejected(f"{who} rejected the request (HTTP {status}): {_detail(exc)}")
    if status is not None:
        return ModelUnavailable(f"{who} failed (HTTP {status}): {_detail(exc)}")
    return ModelUnavailable(f"{who} could not be reached or answered garbage: {type(exc).__name__}")


def retry_after_s(headers: Any) -> float:
    """Seconds from Retry-After (seconds or an HTTP date), else the default; bounded."""
    value = headers.get("retry-after") if headers is not None else None
    if not value:
        return DEFAULT_RETRY_AFTER_S
    try:
        seconds = float(value)
    except ValueError:
        try:
            from datetime import UTC, datetime

            seconds = (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds()
        except (TypeError, ValueError):
            return DEFAULT_RETRY_AFTER_S
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_S)


def _status(exc: Exception) -> int | None:
    # openai and anthropic: status_code; google-genai: code.
    for name in ("status_code", "code"):
        value = getattr(exc, name, None)
        if isinstance(value, int) and 100 <= value < 600:
            return value
    return None


def _headers(exc: Exception) -> Any:
    response = getattr(exc, "response", None)
    return getattr(response, "headers", None)


def _detail(exc: Exception) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        detail = body.get("error", body)
        if isinstance(detail, dict) and detail.get("message"):
            return str(detail["message"])[:300]
    return str(getattr(exc, "message", "") or type(exc).__name__)[:300]
