"""The API under uvicorn, inside a process that owns its own signals (the stack)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import uvicorn

from api.app import create_app
from core.settings import ApiSettings
from services.projects import ProjectServices


class _ApiServer(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield  # the stack owns SIGINT/SIGTERM and stops the API itself


def api_server(services: ProjectServices, settings: ApiSettings) -> uvicorn.Server:
    return _ApiServer(
        uvicorn.Config(
            create_app(services), host=settings.host, port=settings.port, log_level="warning"
        )
    )
