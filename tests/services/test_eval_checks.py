"""Behaviour checks say exactly what a live service got wrong (a real HTTP server here)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from services.evals.checks import run_checks
from services.evals.suite import HttpCheck


class _Service(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        if self.path == "/items":
            self._send(200, json.dumps({"items": [{"id": 1, "name": "first"}]}))
        elif self.path == "/text":
            self._send(200, "plain words")
        else:
            self._send(404, json.dumps({"error": "not found"}))

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length", 0))
        body = json.loads(self.rfile.read(length) or b"null")
        self._send(201, json.dumps({**body, "id": 2}))

    def _send(self, status: int, text: str) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(text.encode())))
        self.end_headers()
        self.wfile.write(text.encode())

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def service() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Service)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


async def test_each_failed_check_names_what_differs(service: str) -> None:
    checks = [
        HttpCheck.model_validate(c)
        for c in (
            {"path": "/items", "json": {"items.0.name": "first", "items.-1.id": 1}},
            {"name": "wrong value", "path": "/items", "json": {"items.0.name": "second"}},
            {"name": "missing field", "path": "/items", "fields": ["items.0.tags"]},
            {"name": "out of range", "path": "/items", "fields": ["items.5"]},
            {"name": "substring", "path": "/items", "contains": ["first", "zebra"]},
            {"name": "not json", "path": "/text", "fields": ["x"]},
            {"name": "status", "path": "/nope"},
            {
                "method": "POST",
                "path": "/items",
                "body": {"name": "b"},
                "status": 201,
                "json": {"name": "b", "id": 2},
            },
        )
    ]
    results = await run_checks(service, checks)

    assert [(r.name, r.passed) for r in results] == [
        ("GET /items", True),
        ("wrong value", False),
        ("missing field", False),
        ("out of range", False),
        ("substring", False),
        ("not json", False),
        ("status", False),
        ("POST /items", True),
    ]
    reasons = {r.name: r.reason for r in results}
    assert reasons["wrong value"] == "JSON 'items.0.name' is 'first', expected 'second'"
    assert reasons["missing field"].startswith("JSON has no 'items.0.tags'")
    assert reasons["out of range"].startswith("JSON has no 'items.5'")
    assert reasons["substring"].startswith("body lacks ['zebra']")
    assert reasons["not json"] == "body is not JSON: plain words"
    assert reasons["status"] == 'status 404, expected 200: {"error": "not found"}'


async def test_a_service_that_does_not_answer_fails_every_check_with_the_reason() -> None:
    [result] = await run_checks("http://127.0.0.1:9", [HttpCheck(path="/health")])
    assert not result.passed and result.reason.startswith("no answer: ConnectError")
