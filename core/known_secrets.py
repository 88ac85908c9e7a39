"""Every secret value this process has seen, so it can be masked wherever it shows up.

The secret store adds each value it reads or writes; the log redactor, the prompt guard and
the diff scan ask here. It is process-wide on purpose: a value must be masked in a log line
written by any module, also one that never touched the store itself.
"""

from __future__ import annotations

import threading
from typing import TypeVar, cast

# Shorter values would mask ordinary words ("yes", "1234"); no real credential is that short.
MIN_MASKED_LENGTH = 6

T = TypeVar("T")


class KnownSecrets:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._handles: dict[str, str] = {}  # value -> handle
        # Read on every log line: rebuilt on change so a lookup takes neither lock nor sort.
        self._ordered: tuple[tuple[str, str], ...] = ()

    def add(self, value: str, handle: str) -> None:
        if len(value) < MIN_MASKED_LENGTH:
            return
        with self._lock:
            if self._handles.get(value) == handle:
                return
            self._handles[value] = handle
            self._reorder()

    def forget(self, value: str) -> None:
        with self._lock:
            if self._handles.pop(value, None) is not None:
                self._reorder()

    def _reorder(self) -> None:
        # Longest value first so a value inside another is masked whole.
        self._ordered = tuple(
            sorted(self._handles.items(), key=lambda pair: len(pair[0]), reverse=True)
        )

    def items(self) -> list[tuple[str, str]]:
        """(value, handle), longest value first."""
        return list(self._ordered)

    def replace(self, text: str, *, mask: str | None = None) -> str:
        """`text` with every known value replaced by its handle (or by `mask`)."""
        for value, handle in self._ordered:
            if value in text:
                text = text.replace(value, mask if mask is not None else handle)
        return text

    def replace_in(self, data: T) -> T:
        """`data` with every string in it, however deeply nested in dicts, lists and tuples,
        masked; anything else is returned as it is (its str() is masked where it is written)."""
        if not self._ordered:
            return data
        return cast(T, self._replace_in(data))

    def _replace_in(self, data: object) -> object:
        if isinstance(data, str):
            return self.replace(data)
        if type(data) is dict:
            return {self._replace_in(k): self._replace_in(v) for k, v in data.items()}
        # Exact types only: a named tuple or another subclass may not rebuild from a generator.
        if type(data) is list:
            return [self._replace_in(item) for item in data]
        if type(data) is tuple:
            return tuple(self._replace_in(item) for item in data)
        return data

    def found_in(self, text: str) -> list[str]:
        """The handles of the known values that occur in `text`."""
        return [handle for value, handle in self._ordered if value in text]


KNOWN_SECRETS = KnownSecrets()
