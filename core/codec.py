"""The payload codec that keeps workflow history encrypted: AES-256-GCM on every payload.

Each encrypted payload names the key that sealed it (`encryption-key-id`), so keys rotate:
new payloads use the current key, older ones decode with theirs as long as it is kept.
Payloads that are not encrypted pass through decode unchanged, so histories recorded before
the codec (tests/workflows/histories/) keep replaying. Search attributes are not payloads a
codec sees; they stay readable (they hold ids and stages only).
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import DataConverter, PayloadCodec

from core.errors import InvalidInput

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"
KEY_BYTES = 32  # AES-256
_NONCE_BYTES = 12
# How long encode trusts the keys it holds before asking the store again: a key rotated by
# another process is used for new payloads within this time.
REFRESH_S = 5.0


class UnknownHistoryKey(InvalidInput):
    """A payload sealed with a key this keyring does not hold (the message names the key id)."""


@dataclass(frozen=True)
class HistoryKeys:
    current: str  # the key id new payloads are sealed with
    keys: Mapping[str, bytes]  # every key id still kept -> its 32 bytes

    def __post_init__(self) -> None:
        if self.current not in self.keys:
            raise ValueError(f"the current history key {self.current} is not in the keyring")
        if any(len(key) != KEY_BYTES for key in self.keys.values()):
            raise ValueError("history keys must be 32 bytes (AES-256)")


class KeySource(Protocol):
    """Where the keys come from (the secret store); `load` may block and may create the first."""

    def load(self) -> HistoryKeys: ...


class EncryptionCodec(PayloadCodec):
    def __init__(self, source: KeySource, *, refresh_s: float = REFRESH_S) -> None:
        self._source = source
        self._refresh_s = refresh_s
        self._lock = threading.Lock()  # codecs are shared by clients in several event loops
        self._keys = source.load()
        self._loaded_at = time.monotonic()

    @property
    def current_key_id(self) -> str:
        return self._keys.current

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        if time.monotonic() - self._loaded_at >= self._refresh_s:
            await asyncio.to_thread(self._reload, only_if_stale=True)
        keys = self._keys
        key_id = keys.current
        cipher = AESGCM(keys.keys[key_id])
        return [_seal(cipher, key_id, payload) for payload in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        decoded = []
        for payload in payloads:
            if payload.metadata.get("encoding") != ENCODING:
                decoded.append(payload)  # written without a codec: left as it is
                continue
            key_id = payload.metadata.get(KEY_ID, b"").decode(errors="replace")
            key = await self._key(key_id)
            decoded.append(_open(AESGCM(key), key_id, payload))
        return decoded

    async def _key(self, key_id: str) -> bytes:
        key = self._keys.keys.get(key_id)
        if key is None:
            # Rotated by another process since we loaded: ask the store once more.
            await asyncio.to_thread(self._reload)
            key = self._keys.keys.get(key_id)
        if key is None:
            raise UnknownHistoryKey(
                f"this payload was encrypted with the history key '{key_id}', which the "
                "secret store does not hold: restore the secrets file (and its age key) that "
                "held it"
            )
        return key

    def _reload(self, *, only_if_stale: bool = False) -> None:
        with self._lock:
            if only_if_stale and time.monotonic() - self._loaded_at < self._refresh_s:
                return  # another encode reloaded while this one waited for the lock
            keys = self._source.load()
            self._keys, self._loaded_at = keys, time.monotonic()


def _seal(cipher: AESGCM, key_id: str, payload: Payload) -> Payload:
    nonce = os.urandom(_NONCE_BYTES)
    # The key id is authenticated too: a payload relabelled with another id does not open.
    sealed = cipher.encrypt(nonce, payload.SerializeToString(), key_id.encode())
    return Payload(metadata={"encoding": ENCODING, KEY_ID: key_id.encode()}, data=nonce + sealed)


def _open(cipher: AESGCM, key_id: str, payload: Payload) -> Payload:
    nonce, sealed = payload.data[:_NONCE_BYTES], payload.data[_NONCE_BYTES:]
    try:
        clear = cipher.decrypt(nonce, sealed, key_id.encode())
    except InvalidTag:
        raise InvalidInput(
            f"a payload under the history key '{key_id}' does not decrypt: it was altered, or "
            "the key under that id is not the one that sealed it"
        ) from None
    return Payload.FromString(clear)


def data_converter(source: KeySource) -> DataConverter:
    """Temporal's default converter with every payload encrypted."""
    return dataclasses.replace(DataConverter.default, payload_codec=EncryptionCodec(source))
