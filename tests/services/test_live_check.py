"""The start-up look at live services: what answers and what does not, in each project's events."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench.embedded_stack import free_port
from db.engine import SessionFactory, transaction
from db.repositories import events, projects, tenants
from services.live_check import check_live_services


class _Healthy(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200 if self.path == "/health" else 404)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def service() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Healthy)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


async def live_project(sessions: SessionFactory, tenant: str, url: str | None) -> str:
    async with transaction(sessions) as session:
        await tenants.ensure_tenant(session=session, tenant_id=tenant)
        project = await projects.create(session=session, tenant_id=tenant, name="w", idea="w")
        await projects.update(session=session, project=project, live_url=url)
        return project.id


async def test_each_live_service_is_asked_once_and_the_answer_recorded(
    sessions: SessionFactory, service: str
):
    up = await live_project(sessions, "acme", service)
    down = await live_project(sessions, "other", f"http://127.0.0.1:{free_port()}")
    never_deployed = await live_project(sessions, "acme", None)

    results = await check_live_services(sessions, health_path="/health", timeout_s=2)

    assert results == {up: True, down: False}
    async with transaction(sessions) as session:
        for project_id, tenant, kind in (
            (up, "acme", "live_check_healthy"),
            (down, "other", "live_check_down"),
        ):
            logged = await events.list_for_project(
                session=session, tenant_id=tenant, project_id=project_id
            )
            assert [e.kind for e in logged] == [kind]
        assert not await events.list_for_project(
            session=session, tenant_id="acme", project_id=never_deployed
        )
