"""The API has no authentication yet: it says so, and stays on loopback unless told."""

from __future__ import annotations

import dataclasses

import pytest

from api.app import create_app
from core.errors import InvalidInput
from core.settings import ApiSettings
from services.projects import ProjectServices
from tests.api.client import client_for
from tests.stack import Stack


def services_on(stack: Stack, api: ApiSettings) -> ProjectServices:
    settings = stack.settings.model_copy(update={"api": api})
    return dataclasses.replace(stack.services, settings=settings)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.10", "example.org", ""])
async def test_a_non_loopback_address_is_refused_without_the_acknowledgement(
    stack: Stack, host: str
):
    with pytest.raises(InvalidInput, match="API_ALLOW_UNAUTHENTICATED_REMOTE=true") as refused:
        create_app(services_on(stack, ApiSettings(host=host)))
    assert f"API_HOST={host!r} is not a loopback address" in str(refused.value)


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "localhost"])
async def test_loopback_addresses_need_no_acknowledgement(stack: Stack, host: str):
    create_app(services_on(stack, ApiSettings(host=host)))


async def test_the_acknowledgement_lets_it_listen_beyond_loopback(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("API_HOST", "0.0.0.0")
    monkeypatch.setenv("API_ALLOW_UNAUTHENTICATED_REMOTE", "true")
    create_app(services_on(stack, ApiSettings()))


async def test_the_docs_say_it_must_not_be_exposed(stack: Stack):
    async with client_for(stack) as api:
        description = (await api.get("/openapi.json")).json()["info"]["description"]
    assert "no authentication" in description and "do not expose it" in description
