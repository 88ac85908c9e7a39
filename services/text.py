"""Text people send (ideas, answers, names): what we keep of it before it is stored or sent on."""

from __future__ import annotations

import unicodedata

from core.errors import InvalidInput

BOM = "\ufeff"  # a byte-order mark pasted at the front of text; never meant as content


def clean_text(text: str, *, what: str) -> str:
    """Drop control characters except newline and tab; refuse text that is not Unicode.

    Control characters reach nobody usefully (a model, a terminal; PostgreSQL refuses NUL);
    a lone surrogate cannot even be encoded, so it is refused with a message, not a crash.
    """
    _refuse_surrogates(text, what=what)
    lines = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(c for c in lines if c in "\n\t" or not _is_control(c))


def one_line_request(text: str, *, what: str, limit: int, empty_hint: str, long_hint: str) -> str:
    """An idea or a change as agents get it: cleaned, whitespace folded, not empty, not too long.

    Refused before anything is stored or started; each hint tells the person what to do."""
    folded = " ".join(clean_text(text, what=what).split())
    if not folded:
        raise InvalidInput(
            f"the {what} is empty (control characters and whitespace do not count): {empty_hint}"
        )
    if len(folded) > limit:
        raise InvalidInput(
            f"the {what} is {len(folded)} characters long; keep it under {limit} ({long_hint})"
        )
    return folded


def plain_name(name: str, *, what: str) -> str:
    """A name is compared, not read: refuse control characters rather than quietly drop them."""
    _refuse_surrogates(name, what=what)
    if any(_is_control(c) for c in name):
        raise InvalidInput(f"the {what} {name!r} contains control characters")
    return name


def _refuse_surrogates(text: str, *, what: str) -> None:
    for position, char in enumerate(text):
        if "\ud800" <= char <= "\udfff":
            raise InvalidInput(
                f"the {what} is not valid Unicode text: a lone surrogate "
                f"(U+{ord(char):04X}) at character {position + 1}"
            )


def _is_control(char: str) -> bool:
    return char == BOM or unicodedata.category(char) == "Cc"
