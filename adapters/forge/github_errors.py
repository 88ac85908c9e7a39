"""GitHub's answers as our errors: refusals stay refusals, rate limits say when to come back."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from github import GithubException, RateLimitExceededException

from adapters.forge.git import MergeConflict
from core.errors import (
    InvalidInput,
    NotFound,
    OrchestratorError,
    RateLimited,
    ServiceUnavailable,
)

# When GitHub names no time (a secondary limit without Retry-After), its docs say wait a minute.
DEFAULT_RETRY_S = 60.0


def retry_after_s(headers: Mapping[str, Any], *, now: float | None = None) -> float | None:
    """Seconds to wait from Retry-After or X-RateLimit-Reset; None when not rate limited."""
    lower = {k.lower(): str(v) for k, v in (headers or {}).items()}
    if "retry-after" in lower:
        return max(1.0, float(lower["retry-after"]))
    if lower.get("x-ratelimit-remaining") == "0" and "x-ratelimit-reset" in lower:
        return max(1.0, float(lower["x-ratelimit-reset"]) - (now or time.time()))
    return None


def translate(exc: GithubException, what: str) -> OrchestratorError:
    """`what` names the operation, e.g. "merge acme/shop#3"; no header or token is quoted."""
    status = exc.status
    message = ""
    if isinstance(exc.data, dict):
        message = str(exc.data.get("message") or "")
        details = [
            e if isinstance(e, str) else e.get("message", "") for e in exc.data.get("errors") or []
        ]
        message = "; ".join(filter(None, [message, *map(str, details)]))
    delay = retry_after_s(exc.headers or {})
    if isinstance(exc, RateLimitExceededException) or status == 429 or delay is not None:
        wait = delay if delay is not None else DEFAULT_RETRY_S
        return RateLimited(
            f"GitHub rate limit on {what}; retry in {wait:.0f} s", retry_after_s=wait
        )
    text = f"GitHub refused {what} ({status}): {message or 'no reason given'}"
    if status == 404:
        return NotFound(text)
    if status == 405 and "merge" in what:
        return MergeConflict(f"{text}; rebase the branch and push again", files=[])
    if status in (400, 409, 422):
        return InvalidInput(text)
    return ServiceUnavailable(text)
