"""Publish a project as <name>.<domain> when Cloudflare is configured; the token by handle."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from adapters.dns.base import DnsChange
from adapters.dns.cloudflare import CloudflareDns
from adapters.secrets.base import SecretStore
from core.handles import Handle
from core.settings import DnsSettings


@dataclass(frozen=True)
class DnsPlan:
    """What the DevOps stage will do about DNS, decided before anything is deployed."""

    hostname: str  # "" when DNS is not configured
    note: str  # for the stage detail: what was done, or why nothing was


def plan(settings: DnsSettings, project_slug: str) -> DnsPlan:
    if not settings.configured:
        return DnsPlan(
            "",
            "DNS skipped: Cloudflare is not configured (DNS_CLOUDFLARE_TOKEN_HANDLE, "
            "DNS_CLOUDFLARE_ZONE_ID, DNS_DOMAIN)",
        )
    return DnsPlan(f"{project_slug}.{settings.domain.strip('.')}", "")


async def point(
    settings: DnsSettings, secrets: SecretStore, tenant_id: str, hostname: str, content: str
) -> DnsChange:
    """Create or update the record; DnsError (record unchanged) when Cloudflare fails."""
    handle = Handle.parse(settings.cloudflare_token_handle)
    # Resolved here, for this call only: the token lives in this attempt's memory.
    token = await asyncio.to_thread(secrets.get, tenant_id, handle)
    provider = CloudflareDns(
        api_token=token,
        zone_id=settings.cloudflare_zone_id,
        base_url=settings.cloudflare_base_url,
        ttl=settings.ttl,
        proxied=settings.proxied,
    )
    try:
        return await provider.point(name=hostname, content=content)
    finally:
        await provider.close()
