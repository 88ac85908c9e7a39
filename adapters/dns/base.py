"""The DNS interface: make one name point at a server, idempotently."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Literal, Protocol

from core.errors import OrchestratorError

RecordType = Literal["A", "AAAA", "CNAME"]
DnsAction = Literal["created", "updated", "unchanged"]


class DnsError(OrchestratorError):
    """The provider refused or could not be reached; the message says which, in words."""


@dataclass(frozen=True)
class DnsChange:
    name: str
    type: RecordType
    content: str
    action: DnsAction


def record_type(content: str) -> RecordType:
    """A for an IPv4 address, AAAA for IPv6, CNAME for a host name."""
    try:
        address = ipaddress.ip_address(content)
    except ValueError:
        return "CNAME"
    return "A" if address.version == 4 else "AAAA"


class DnsProvider(Protocol):
    name: str

    async def point(self, *, name: str, content: str) -> DnsChange:
        """Make `name` resolve to `content` (an address or a host name): one record, never two.

        Raises DnsError and leaves any existing record as it was when the provider fails.
        """
        ...
