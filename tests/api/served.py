"""The API served over loopback HTTP from a thread with its own event loop.

Schemathesis drives a server synchronously; the app, its Temporal client and its database
engine live in that thread's loop, so nothing is shared across event loops.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from adapters.secrets.factory import build_secret_store
from adapters.secrets.history_keys import history_converter
from api.app import create_app
from core.settings import Settings
from core.temporal import connect
from db.engine import create_engine, session_factory
from services.projects import ProjectServices


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.port = 0
        self.ready = threading.Event()
        self.failure: BaseException | None = None

    async def run_app(self, settings: Settings) -> None:
        engine = create_engine(settings.database_url)
        try:
            converter = history_converter(build_secret_store(settings))
            client = await connect(settings.temporal, data_converter=converter, wait_s=10)
            self.config.app = create_app(ProjectServices(settings, session_factory(engine), client))
            await self.serve()
        except BaseException as err:
            self.failure = err
            raise
        finally:
            self.ready.set()
            await engine.dispose()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.port = self.servers[0].sockets[0].getsockname()[1]
        self.ready.set()


@contextmanager
def served_api(settings: Settings) -> Iterator[str]:
    """Yield the base URL of the running API; stop it on exit."""
    server = _Server(uvicorn.Config(app=None, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=asyncio.run, args=(server.run_app(settings),), daemon=True)
    thread.start()
    if not server.ready.wait(30) or not server.port:
        raise RuntimeError(f"the API did not start: {server.failure!r}")
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.should_exit = True
        thread.join(30)
