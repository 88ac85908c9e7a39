"""CloudflareDns through the real `cloudflare` SDK against the fake API in tests/fakes/."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from adapters.dns.base import DnsError
from adapters.dns.cloudflare import CloudflareDns
from tests.fakes.cloudflare_server import FakeCloudflare

TOKEN, ZONE = "cf-test-token", "zone-1"


@pytest.fixture
def cloudflare() -> Iterator[FakeCloudflare]:
    with FakeCloudflare(token=TOKEN, zone_id=ZONE) as fake:
        yield fake


@pytest.fixture
async def dns(cloudflare: FakeCloudflare) -> AsyncIterator[CloudflareDns]:
    provider = CloudflareDns(api_token=TOKEN, zone_id=ZONE, base_url=cloudflare.base_url, ttl=120)
    yield provider
    await provider.close()


def _shape(records: list[dict[str, object]]) -> list[tuple[object, ...]]:
    return sorted((r["name"], r["type"], r["content"], r["ttl"], r["proxied"]) for r in records)


async def test_pointing_twice_makes_one_record(
    dns: CloudflareDns, cloudflare: FakeCloudflare
) -> None:
    first = await dns.point(name="shop.apps.example.com", content="203.0.113.7")
    second = await dns.point(name="shop.apps.example.com", content="203.0.113.7")

    assert (first.action, second.action) == ("created", "unchanged")
    assert _shape(cloudflare.records) == [("shop.apps.example.com", "A", "203.0.113.7", 120, False)]
    writes = [r for r in cloudflare.requests if r[0] != "GET"]
    assert writes == [("POST", f"/client/v4/zones/{ZONE}/dns_records")]


async def test_a_new_address_updates_the_record_in_place(
    dns: CloudflareDns, cloudflare: FakeCloudflare
) -> None:
    await dns.point(name="shop.apps.example.com", content="203.0.113.7")
    moved = await dns.point(name="shop.apps.example.com", content="web-2.example.net")

    assert moved.action == "updated" and moved.type == "CNAME"
    assert _shape(cloudflare.records) == [
        ("shop.apps.example.com", "CNAME", "web-2.example.net", 120, False)
    ]


async def test_an_api_error_leaves_the_previous_record(
    dns: CloudflareDns, cloudflare: FakeCloudflare
) -> None:
    await dns.point(name="shop.apps.example.com", content="203.0.113.7")
    cloudflare.fail_next(5)

    with pytest.raises(DnsError) as refused:
        await dns.point(name="shop.apps.example.com", content="198.51.100.9")

    assert "HTTP 500" in str(refused.value) and "shop.apps.example.com" in str(refused.value)
    assert _shape(cloudflare.records) == [("shop.apps.example.com", "A", "203.0.113.7", 120, False)]


async def test_a_wrong_token_is_reported_in_words(cloudflare: FakeCloudflare) -> None:
    provider = CloudflareDns(api_token="wrong", zone_id=ZONE, base_url=cloudflare.base_url)
    try:
        with pytest.raises(DnsError, match="HTTP 403: Authentication error"):
            await provider.point(name="shop.apps.example.com", content="203.0.113.7")
    finally:
        await provider.close()
    assert cloudflare.records == []
