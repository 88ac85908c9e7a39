"""Until the API has tokens, it must not be reachable from other machines by accident."""

from __future__ import annotations

import ipaddress

import structlog

from core.errors import InvalidInput
from core.settings import ApiSettings

log = structlog.get_logger()

WARNING = (
    "**The API has no authentication.** Whoever reaches it can submit, cancel and answer "
    "for anyone: the caller names itself (`user` in an answer). It listens on loopback "
    "(127.0.0.1) by default; do not expose it to a network. It refuses to start on another "
    "address unless API_ALLOW_UNAUTHENTICATED_REMOTE=true says that is intended."
)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name, or "" (every interface): cannot be shown to be local
        return False


def refuse_unsafe_exposure(settings: ApiSettings) -> None:
    """Raise unless the API binds to loopback or the operator accepted remote exposure."""
    if is_loopback(settings.host):
        return
    if not settings.allow_unauthenticated_remote:
        raise InvalidInput(
            f"API_HOST={settings.host!r} is not a loopback address and the API has no "
            "authentication: anyone who reaches it could submit, cancel and answer for anyone. "
            "Bind it to 127.0.0.1 (the default), or set API_ALLOW_UNAUTHENTICATED_REMOTE=true "
            "if it sits behind something that authenticates."
        )
    log.warning("the API listens beyond loopback without authentication", host=settings.host)
