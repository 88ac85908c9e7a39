"""CORS for one part of the API only: the Web UI's origin may call the codec endpoint, and
nothing else (a page on that origin has no business submitting or cancelling projects)."""

from __future__ import annotations

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from core.settings import TemporalSettings

CODEC_PREFIX = "/codec/"


def web_ui_origins(temporal: TemporalSettings) -> list[str]:
    """The embedded Web UI, as a browser may name it (127.0.0.1 or localhost)."""
    return [temporal.ui_url, f"http://localhost:{temporal.ui_port}"]


class CodecCors:
    def __init__(self, app: ASGIApp, origins: list[str]) -> None:
        self._app = app
        self._cors = CORSMiddleware(
            app,
            allow_origins=origins,
            allow_methods=["POST"],
            allow_headers=["content-type", "authorization", "x-namespace"],
            max_age=600,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(CODEC_PREFIX):
            await self._cors(scope, receive, send)
        else:
            await self._app(scope, receive, send)
