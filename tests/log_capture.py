"""The processes' own logging set-up (core.logging), written to a string for a test to read."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager

import structlog

from core.logging import configure_logging


@contextmanager
def production_logging() -> Iterator[io.StringIO]:
    """configure_logging() as the worker and the CLI call it; pytest's set-up comes back after."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    out = io.StringIO()
    configure_logging(stream=out)
    try:
        yield out
    finally:
        for handler in root.handlers[:]:
            root.removeHandler(handler)
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)
        structlog.reset_defaults()
