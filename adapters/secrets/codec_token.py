"""The bearer token of the API's codec endpoint, kept in the secret store (system tenant)."""

from __future__ import annotations

import secrets

from adapters.secrets.base import SYSTEM_TENANT, SecretStore
from core.handles import TENANT_SCOPE, Handle

CODEC_TOKEN = Handle.secret(TENANT_SCOPE, "CODEC_TOKEN")


def codec_token(store: SecretStore) -> str:
    """The token, made on first use; every process of one data dir gets the same one."""
    return store.put_if_absent(SYSTEM_TENANT, CODEC_TOKEN, secrets.token_urlsafe(32))
