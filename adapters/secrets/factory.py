"""Build the secret store from settings: the one place that knows where the key lives."""

from __future__ import annotations

import structlog

from adapters.secrets.age_key import ensure_key
from adapters.secrets.base import SecretStore
from adapters.secrets.sops import SopsSecretStore
from core.settings import Settings

log = structlog.get_logger()


def build_secret_store(settings: Settings) -> SecretStore:
    """The SOPS store; the data dir's own age key is generated on first use, never a
    configured one (a missing configured key is an error at first use, not a new key)."""
    key_file = settings.age_key_file
    if settings.age_key_is_generated:
        ensure_key(key_file)
    return SopsSecretStore(settings.secrets_dir, key_file, cache_ttl_s=settings.secrets.cache_ttl_s)
