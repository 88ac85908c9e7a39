"""The workflow-history keys, kept in the secret store under the system tenant.

`secret://_/HISTORY_KEY_<n>`, n = 1, 2, ...; the highest n is the current key, so the
keyring is one list of secrets and needs no separate "current" pointer that could disagree
with it. Each key is created with `put_if_absent`, so two processes starting on a fresh data
dir agree on the first key, and two rotating at once agree on the next one.
"""

from __future__ import annotations

import base64
import os
import re

from temporalio.converter import DataConverter

from adapters.secrets.base import SYSTEM_TENANT, SecretStore
from core import codec
from core.handles import TENANT_SCOPE, Handle

_NAME = re.compile(r"^HISTORY_KEY_(?P<n>[1-9][0-9]*)$")


def key_handle(number: int) -> Handle:
    return Handle.secret(TENANT_SCOPE, f"HISTORY_KEY_{number}")


class StoreKeySource:
    """The codec's KeySource: reads the keyring, creating the first key on a fresh store."""

    def __init__(self, store: SecretStore) -> None:
        self._store = store

    def load(self) -> codec.HistoryKeys:
        numbers = self._numbers()
        if not numbers:
            _create(self._store, 1)
            numbers = self._numbers()
        keys = {
            key_handle(n).name: base64.b64decode(self._store.get(SYSTEM_TENANT, key_handle(n)))
            for n in numbers
        }
        return codec.HistoryKeys(current=key_handle(max(numbers)).name, keys=keys)

    def _numbers(self) -> list[int]:
        return [
            int(match["n"])
            for handle in self._store.handles(SYSTEM_TENANT, TENANT_SCOPE)
            if (match := _NAME.match(handle.name))
        ]


def rotate_history_key(store: SecretStore) -> str:
    """Make a new current key (the old ones stay, for decoding); returns its key id."""
    current = StoreKeySource(store).load().current
    number = int(current.removeprefix("HISTORY_KEY_")) + 1
    _create(store, number)
    return key_handle(number).name


def history_converter(store: SecretStore) -> DataConverter:
    """The data converter of every client and worker: the keyring is read (or its first key
    made) now, so a missing or wrong age key stops the process at its start."""
    return codec.data_converter(StoreKeySource(store))


def _create(store: SecretStore, number: int) -> None:
    fresh = base64.b64encode(os.urandom(codec.KEY_BYTES)).decode()
    store.put_if_absent(SYSTEM_TENANT, key_handle(number), fresh)
