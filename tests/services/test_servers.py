"""The servers inventory against a real sshd: add checks for real, server_sync records facts."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from temporalio.testing import ActivityEnvironment

from activities.context import ActivityContext
from activities.servers import ServerActivities, ServerSyncInput, facts_probe
from adapters.secrets.factory import build_secret_store
from api.app import create_app
from core.errors import InvalidInput, NotFound
from core.handles import Handle
from core.settings import DeploySettings, Settings
from db.engine import create_engine, session_factory, transaction
from db.migrate import upgrade_to_head
from db.models import Server
from db.repositories import servers as server_rows
from db.repositories import tenants
from services.projects import ProjectServices
from services.servers import NewServer, ServerServices
from tests.sshd import Sshd, sshd  # noqa: F401 - the session's server


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def inventory(tmp_path: Path, sshd: Sshd) -> AsyncIterator[ServerServices]:  # noqa: F811
    settings = Settings(
        home=tmp_path / "home",
        deploy=DeploySettings(runtime_dir=tmp_path / "run", remote_root="/"),
    )
    await asyncio.to_thread(upgrade_to_head, settings.database_url)
    engine = create_engine(settings.database_url)
    # No Temporal needed: the inventory is the database and the secret store.
    services = ProjectServices(settings, session_factory(engine), None)  # type: ignore[arg-type]
    store = build_secret_store(settings)
    store.put(settings.tenant, Handle.parse("secret://_/SSH_KEY_WEB_1"), sshd.private_key)
    yield ServerServices(services, store)
    await engine.dispose()


async def test_a_reachable_server_is_added_with_its_free_disk_and_memory(
    inventory: ServerServices,
    sshd: Sshd,  # noqa: F811
) -> None:
    added = await inventory.add(NewServer(name="web-1", host=sshd.host, port=sshd.port))

    assert added.status == "reachable", added.message
    assert added.key_handle == "secret://_/SSH_KEY_WEB_1"
    assert added.free_disk_mb and added.free_disk_mb > 0
    assert added.free_memory_mb and added.free_memory_mb > 0
    assert added.checked_at is not None
    assert [s.name for s in await inventory.list()] == ["web-1"]

    await inventory.remove("web-1")
    assert await inventory.list() == []
    with pytest.raises(NotFound, match="no server named 'web-1'"):
        await inventory.remove("web-1")


async def test_an_unreachable_server_is_refused_with_the_reason(
    inventory: ServerServices,
) -> None:
    with pytest.raises(InvalidInput) as refused:
        await inventory.add(NewServer(name="web-1", host="127.0.0.1", port=_closed_port()))

    assert "server 'web-1' was not added" in str(refused.value)
    assert "Connection refused" in str(refused.value)
    assert await inventory.list() == []


async def test_bad_input_is_refused_before_any_connection(inventory: ServerServices) -> None:
    cases = {
        NewServer(name="localhost", host="10.0.0.1"): "cannot name a server",
        NewServer(name="Web 1", host="10.0.0.1"): "cannot name a server",
        NewServer(name="web-1", host="10.0.0.1", port=70000): "is not a port",
        NewServer(name="web-2", host="10.0.0.1"): "has no secret://_/SSH_KEY_WEB_2",
        NewServer(name="web-1", host="bad host"): "is not a host name",
    }
    for new, message in cases.items():
        with pytest.raises(InvalidInput, match=message):
            await inventory.add(new)
    assert await inventory.list() == []


async def test_the_api_refuses_an_unreachable_server_in_words(inventory: ServerServices) -> None:
    transport = httpx.ASGITransport(app=create_app(inventory.projects))
    async with httpx.AsyncClient(transport=transport, base_url="http://api") as api:
        answer = await api.post(
            "/servers", json={"name": "web-1", "host": "127.0.0.1", "port": _closed_port()}
        )
        listed = await api.get("/servers")

    assert answer.status_code == 422
    assert "was not added" in answer.json()["detail"]
    assert "Connection refused" in answer.json()["detail"]
    assert listed.status_code == 200 and listed.json() == []


async def test_server_sync_records_facts_and_unreachable_servers(
    inventory: ServerServices,
    sshd: Sshd,  # noqa: F811
) -> None:
    settings, sessions = inventory.projects.settings, inventory.projects.sessions
    async with transaction(sessions) as session:
        await tenants.ensure_tenant(session=session, tenant_id=settings.tenant)
        for name, port in (("web-1", sshd.port), ("web-9", _closed_port())):
            await server_rows.add(
                session=session,
                server=Server(
                    tenant_id=settings.tenant,
                    name=name,
                    host="127.0.0.1",
                    port=port,
                    key_handle="secret://_/SSH_KEY_WEB_1",
                ),
            )
    ctx = ActivityContext(settings=settings, sessions=sessions, secrets=inventory.store)
    activities = ServerActivities(ctx, facts_probe(settings))

    result = await ActivityEnvironment().run(
        activities.sync, ServerSyncInput(tenant_id=settings.tenant)
    )

    assert (result.checked, result.reachable) == (2, 1)
    assert result.unreachable[0].startswith("web-9: ")
    rows = {s.name: s for s in await inventory.list()}
    assert rows["web-1"].status == "reachable" and (rows["web-1"].free_memory_mb or 0) > 0
    assert rows["web-9"].status == "unreachable"
    assert "Connection refused" in rows["web-9"].message
    assert rows["web-9"].free_disk_mb is None and rows["web-9"].checked_at is not None
