"""Every secret value this process has seen, so it can be masked wherever it shows up.

The secret store adds each value it reads or writes; the log redactor, the prompt guard and
the diff scan ask here. It is process-wide on purpose: a value must be masked in a log line
written by any module, also one that never touched the store itself.
"""

from __future__ import annotations

import threading

# Shorter values would mask ordinary words ("yes", "1234"); no real credential is that short.
MIN_MASKED_LENGTH = 6


class KnownSecrets:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._handles: dict[str, str] = {}  # value -> handle

    def add(self, value: str, handle: str) -> None:
        if len(value) < MIN_MASKED_LENGTH:
            return
        with self._lock:
            self._handles[value] = handle

    def forget(self, value: str) -> None:
        with self._lock:
            self._handles.pop(value, None)

    def items(self) -> list[tuple[str, str]]:
        """(value, handle), longest value first so a value inside another is masked whole."""
        with self._lock:
            pairs = list(self._handles.items())
        return sorted(pairs, key=lambda pair: len(pair[0]), reverse=True)

    def replace(self, text: str, *, mask: str | None = None) -> str:
        """`text` with every known value replaced by its handle (or by `mask`)."""
        for value, handle in self.items():
            if value in text:
                text = text.replace(value, mask if mask is not None else handle)
        return text

    def found_in(self, text: str) -> list[str]:
        """The handles of the known values that occur in `text`."""
        return [handle for value, handle in self.items() if value in text]


KNOWN_SECRETS = KnownSecrets()
