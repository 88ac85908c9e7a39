"""An HTTP client that calls the app in process, built on a test stack's real services."""

from __future__ import annotations

import httpx

from api.app import create_app
from tests.stack import Stack


def client_for(stack: Stack) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=create_app(stack.services))
    return httpx.AsyncClient(transport=transport, base_url="http://api")
