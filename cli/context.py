"""What a CLI command needs: settings, a DB session factory and a Temporal client."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from adapters.secrets.factory import build_secret_store
from adapters.secrets.history_keys import history_converter
from core.settings import Settings
from core.temporal import connect
from db.engine import create_engine, session_factory
from services.projects import ProjectServices


@asynccontextmanager
async def project_services(settings: Settings) -> AsyncIterator[ProjectServices]:
    engine = create_engine(settings.database_url)
    try:
        converter = await asyncio.to_thread(history_converter, build_secret_store(settings))
        client = await connect(settings.temporal, data_converter=converter, wait_s=2)
        yield ProjectServices(settings, session_factory(engine), client)
    finally:
        await engine.dispose()
