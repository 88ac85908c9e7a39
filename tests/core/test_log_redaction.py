"""Logs written through the processes' own set-up never show a value the store holds."""

from __future__ import annotations

import logging
import uuid

import structlog

from core.known_secrets import KNOWN_SECRETS
from tests.log_capture import production_logging


def known_value(name: str) -> tuple[str, str]:
    value, handle = f"val-{uuid.uuid4().hex}", f"secret://shop/{name}"
    KNOWN_SECRETS.add(value, handle)
    return value, handle


def test_stdlib_messages_arguments_and_tracebacks_show_the_handle() -> None:
    value, handle = known_value("DB_PASSWORD")
    log = logging.getLogger("tests.redaction")
    with production_logging() as out:
        log.info("connecting with %s", value)
        log.warning(f"retry with {value}")
        log.info("args %(password)s", {"password": value})
        try:
            raise RuntimeError(f"login refused for {value}")
        except RuntimeError:
            log.exception("failed")
        log.info("where", stack_info=True, extra={"unused": value})

    written = out.getvalue()
    assert value not in written
    assert written.count(handle) == 4
    assert "RuntimeError: login refused for secret://shop/DB_PASSWORD" in written


def test_structlog_values_are_masked_however_deeply_nested() -> None:
    value, handle = known_value("API_KEY")
    with production_logging() as out:
        log = structlog.get_logger("tests.redaction")
        log.info(
            f"event {value}",
            token=value,
            nested={"headers": [("authorization", f"Bearer {value}")], "n": 3},
            count=2,
        )
        try:
            raise ValueError(value)
        except ValueError:
            log.exception("boom")

    written = out.getvalue()
    assert value not in written
    assert f"Bearer {handle}" in written and f"token={handle}" in written
    assert f"ValueError: {handle}" in written


def test_a_value_shorter_than_a_credential_is_not_masked_in_ordinary_words() -> None:
    KNOWN_SECRETS.add("yes", "secret://shop/SHORT")
    with production_logging() as out:
        logging.getLogger("tests.redaction").info("yes, deployed")
    assert "yes, deployed" in out.getvalue()


def test_credential_patterns_mask_keys_but_not_words_that_merely_contain_them() -> None:
    with production_logging() as out:
        logging.getLogger("tests.redaction").info(
            "key sk-abcdefgh12345678 for project-p1-task-health-r1"
        )
    assert "key *** for project-p1-task-health-r1" in out.getvalue()


def test_a_google_api_key_is_masked_by_its_shape() -> None:
    google_key = "AIza" + "Sy0123456789abcdefghij-klmnopqrs_tu"  # 35 after AIza
    with production_logging() as out:
        logging.getLogger("tests.redaction").info(f"gemini call with key={google_key} failed")
    assert google_key not in out.getvalue() and "key=*** failed" in out.getvalue()
