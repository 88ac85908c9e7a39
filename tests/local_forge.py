"""A local forge on real git and a throwaway SQLite database: fixtures for forge and git tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.forge.base import RepoInfo
from adapters.forge.local import LocalForge
from db.engine import SessionFactory, create_engine, session_factory
from db.schema import create_all


@pytest.fixture
async def sessions(tmp_path: Path) -> AsyncIterator[SessionFactory]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}")
    await create_all(engine)
    yield session_factory(engine)
    await engine.dispose()


@pytest.fixture
def forge(sessions: SessionFactory, tmp_path: Path) -> LocalForge:
    return LocalForge(root=tmp_path / "forge", sessions=sessions, tenant_id="t1")


@pytest.fixture
async def repo(forge: LocalForge) -> RepoInfo:
    return await forge.ensure_repository(owner="acme", name="shop", description="A shop.")
