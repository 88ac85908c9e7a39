"""The age identity that opens the secrets files: found, or generated once (mode 0600)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pyrage
import structlog

from core.errors import SecretStoreUnavailable

log = structlog.get_logger()

_SECRET_KEY_PREFIX = "AGE-SECRET-KEY-"


def recipient_of(key_file: Path) -> str:
    """The public key (age1...) of the identity in `key_file`."""
    try:
        text = key_file.read_text()
    except OSError as err:
        raise SecretStoreUnavailable(
            f"cannot read the age key {key_file}: {err.strerror}. Set SECRETS_AGE_KEY_FILE "
            "(or SOPS_AGE_KEY_FILE) to the key that encrypted the secrets."
        ) from None
    lines = [line.strip() for line in text.splitlines()]
    keys = [line for line in lines if line.startswith(_SECRET_KEY_PREFIX)]
    if not keys:
        raise SecretStoreUnavailable(f"{key_file} holds no age identity (AGE-SECRET-KEY-...)")
    try:
        return str(pyrage.x25519.Identity.from_str(keys[0]).to_public())
    except Exception:  # pyrage raises its own exception types for malformed keys
        raise SecretStoreUnavailable(f"{key_file} holds a malformed age identity") from None


def ensure_key(key_file: Path) -> Path:
    """Generate an identity at `key_file` if there is none; never overwrite one."""
    if key_file.exists():
        return key_file
    key_file.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(key_file.parent, 0o700)
    identity = pyrage.x25519.Identity.generate()
    text = (
        f"# created by orchestrator: opens the secrets files beside it; back it up\n"
        f"# public key: {identity.to_public()}\n{identity}\n"
    )
    # Written whole beside it, then linked into place: two processes starting at once must
    # not write two different keys, nor may one read the file while the other still writes it.
    partial = key_file.with_name(f".{key_file.name}.{uuid.uuid4().hex}.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    try:
        os.link(partial, key_file)
    except FileExistsError:
        return key_file
    finally:
        partial.unlink()
    log.warning("secrets.age_key_created", path=str(key_file))
    return key_file
