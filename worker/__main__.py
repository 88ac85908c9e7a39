"""`python -m worker`: run a Temporal worker on its own (the stack's `up` runs one in-process)."""

from __future__ import annotations

import asyncio
import signal

from adapters.secrets.factory import build_secret_store
from adapters.secrets.history_keys import history_converter
from core.logging import configure_logging
from core.settings import load_settings
from core.temporal import connect
from db.engine import create_engine, session_factory
from services.schedules.forge_sync import ensure_forge_sync_schedule
from services.schedules.health import ensure_health_schedule
from worker.composition import build_worker
from worker.notifier import owner_notifier


async def main() -> None:
    settings = load_settings()
    configure_logging()
    converter = await asyncio.to_thread(history_converter, build_secret_store(settings))
    client = await connect(settings.temporal, data_converter=converter, wait_s=30)
    await ensure_health_schedule(client, settings)
    await ensure_forge_sync_schedule(client, settings)
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with owner_notifier(settings, sessions) as notifier:
        async with build_worker(client, settings, sessions, notifier):
            await stop.wait()
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
