"""`orchestrator up`: Temporal (embedded or external), migrations, the worker and the API."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import structlog
import uvicorn

from api.app import create_app
from cli.embedded_temporal import EmbeddedTemporal
from core.settings import Settings
from core.temporal import connect, register_search_attributes
from db.engine import create_engine, session_factory
from db.migrate import upgrade_to_head
from services.projects import ProjectServices
from worker.composition import build_worker

log = structlog.get_logger()


class _ApiServer(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield  # the stack owns SIGINT/SIGTERM and stops the API itself


def pid_file(settings: Settings) -> Path:
    return settings.data_dir / "stack.pid"


async def run_stack(settings: Settings) -> None:
    """Run until SIGINT/SIGTERM, then stop the API, the worker and the server, in that order."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    temporal = EmbeddedTemporal(settings) if settings.temporal.embedded else None
    engine = create_engine(settings.database_url)
    try:
        if temporal is not None:
            await temporal.start()
        client = await connect(settings.temporal, wait_s=20)
        await register_search_attributes(client, settings.temporal.namespace)
        await asyncio.to_thread(upgrade_to_head, settings.database_url)
        sessions = session_factory(engine)
        worker = build_worker(client, settings, sessions)
        api = _ApiServer(
            uvicorn.Config(
                create_app(ProjectServices(settings, sessions, client)),
                host=settings.api.host,
                port=settings.api.port,
                log_level="warning",
            )
        )
        pid_file(settings).write_text(str(os.getpid()))
        async with worker:
            api_task = asyncio.create_task(api.serve())
            log.info(
                "stack up",
                api=f"http://{settings.api.host}:{settings.api.port}",
                temporal=settings.temporal.target,
                web_ui=settings.temporal.ui_url if temporal else "(external cluster)",
            )
            await stop.wait()
            log.info("stopping")
            api.should_exit = True
            await api_task
    finally:
        await engine.dispose()
        if temporal is not None:
            await temporal.stop()
        pid_file(settings).unlink(missing_ok=True)
        log.info("stack stopped")
