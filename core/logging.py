"""Structured logging for every process; secrets are redacted before anything is written."""

from __future__ import annotations

import logging
import re
from collections.abc import MutableMapping
from typing import IO, Any

import structlog

from core.known_secrets import KNOWN_SECRETS

# Values that look like credentials are masked even if someone logs them by mistake.
# At a word's start only: "task-health-r1" in a workflow id is no OpenAI key.
_SECRET_PATTERNS = [
    re.compile(r"(\bsk-[A-Za-z0-9_\-]{8,})"),
    re.compile(r"(\bgh[pousr]_[A-Za-z0-9]{16,})"),
    re.compile(r"(\d{6,}:[A-Za-z0-9_\-]{30,})"),  # Telegram bot tokens
    re.compile(r"(\bAIza[0-9A-Za-z_\-]{35})"),  # Google API keys
]
_TRACEBACKS = logging.Formatter()


def redact(text: str) -> str:
    """Every value of the secret store by its handle first (a pattern could cut one in
    half), then whatever merely looks like a credential."""
    text = KNOWN_SECRETS.replace(text)
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub("***", text)
    return text


def _redact_nested(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if type(value) is dict:
        return {k: _redact_nested(v) for k, v in value.items()}
    if type(value) in (list, tuple):
        return type(value)(_redact_nested(v) for v in value)
    return value  # rendered to text later and redacted there, by the stdlib handler's filter


def _redact_processor(
    _logger: Any, _name: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    return {k: _redact_nested(v) for k, v in event.items()}


class RedactingFilter(logging.Filter):
    """Masks a record's message with its arguments, its traceback and its stack."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # arguments that do not fit the format
            message = f"{record.msg} {record.args!r}"
        record.msg, record.args = redact(message), ()
        if record.exc_info and not record.exc_text:
            # The formatter would render the traceback after us; render it now, masked.
            record.exc_text = _TRACEBACKS.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def configure_logging(level: int = logging.INFO, stream: IO[str] | None = None) -> None:
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    logging.basicConfig(
        level=level,
        handlers=[handler],
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        force=True,
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            _redact_processor,
            structlog.dev.ConsoleRenderer(colors=False),
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
