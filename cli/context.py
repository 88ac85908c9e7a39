"""What a CLI command needs: settings, a DB session factory and a Temporal client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from core.settings import Settings
from core.temporal import connect
from db.engine import create_engine, session_factory
from services.projects import ProjectServices


@asynccontextmanager
async def project_services(settings: Settings) -> AsyncIterator[ProjectServices]:
    engine = create_engine(settings.database_url)
    try:
        client = await connect(settings.temporal, wait_s=2)
        yield ProjectServices(settings, session_factory(engine), client)
    finally:
        await engine.dispose()
