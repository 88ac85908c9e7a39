"""DNS records through the `cloudflare` SDK: one record per name, created or updated in place."""

from __future__ import annotations

from typing import Any

import cloudflare
from cloudflare import AsyncCloudflare

from adapters.dns.base import DnsChange, DnsError, RecordType, record_type

_ADDRESS_TYPES: tuple[RecordType, ...] = ("A", "AAAA", "CNAME")


class CloudflareDns:
    name = "cloudflare"

    def __init__(
        self,
        *,
        api_token: str,
        zone_id: str,
        base_url: str = "",
        ttl: int = 300,
        proxied: bool = False,
    ) -> None:
        self._client = AsyncCloudflare(
            api_token=api_token,
            base_url=base_url or None,
            # The deploy activity decides about retries; one answer is enough to report.
            max_retries=0,
            timeout=20.0,
        )
        self._zone_id = zone_id
        self._ttl = ttl
        self._proxied = proxied

    async def point(self, *, name: str, content: str) -> DnsChange:
        wanted = record_type(content)
        try:
            existing = await self._address_records(name)
            if not existing:
                await self._client.dns.records.create(
                    zone_id=self._zone_id, **self._body(name, wanted, content)
                )
                return DnsChange(name, wanted, content, "created")
            record = existing[0]
            if record.type == wanted and record.content == content:
                return DnsChange(name, wanted, content, "unchanged")
            await self._client.dns.records.update(
                record.id, zone_id=self._zone_id, **self._body(name, wanted, content)
            )
            return DnsChange(name, wanted, content, "updated")
        except cloudflare.APIError as err:
            raise DnsError(
                f"Cloudflare could not point {name} at {content}: {_reason(err)}"
            ) from None

    async def close(self) -> None:
        await self._client.close()

    async def _address_records(self, name: str) -> list[Any]:
        # A name holds either one CNAME or address records; we manage the first one found.
        found = []
        async for record in self._client.dns.records.list(
            zone_id=self._zone_id, name={"exact": name}
        ):
            if record.type in _ADDRESS_TYPES:
                found.append(record)
        return found

    def _body(self, name: str, type_: RecordType, content: str) -> dict[str, Any]:
        return {
            "name": name,
            "type": type_,
            "content": content,
            "ttl": self._ttl,
            "proxied": self._proxied,
            "comment": "managed by orchestrator",
        }


def _reason(err: cloudflare.APIError) -> str:
    """Cloudflare's own error messages, else the status or what went wrong on the way."""
    if isinstance(err, cloudflare.APIStatusError):
        body = err.body if isinstance(err.body, dict) else {}
        messages = [str(e.get("message")) for e in body.get("errors") or [] if isinstance(e, dict)]
        detail = "; ".join(m for m in messages if m) or err.message
        return f"HTTP {err.status_code}: {detail}"
    if isinstance(err, cloudflare.APITimeoutError):
        return "the request timed out"
    if isinstance(err, cloudflare.APIConnectionError):
        return f"cannot reach the API ({err.request.url.host})"
    return err.message
