"""A fake Cloudflare API: the DNS-records endpoints the `cloudflare` SDK calls, in memory.

`with FakeCloudflare(token="t", zone_id="z") as cf:` then `cf.base_url`, `cf.records`
(what the zone holds), `cf.requests` (method and path of each call) and `cf.fail_next(n)`
to answer the next n requests with a Cloudflare error body.
"""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.fakes.serving import serve_in_background, stop_serving


@dataclass
class CloudflareState:
    token: str
    zone_id: str
    records: dict[str, dict[str, Any]] = field(default_factory=dict)  # by record id
    requests: list[tuple[str, str]] = field(default_factory=list)
    failures_left: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class FakeCloudflare:
    def __init__(self, *, token: str, zone_id: str) -> None:
        self.state = CloudflareState(token=token, zone_id=zone_id)
        self._httpd: ThreadingHTTPServer | None = None

    def __enter__(self) -> FakeCloudflare:
        self._httpd = serve_in_background(_make_handler(self.state))
        return self

    def __exit__(self, *exc: object) -> None:
        stop_serving(self._httpd)

    @property
    def base_url(self) -> str:
        assert self._httpd is not None
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/client/v4"

    @property
    def records(self) -> list[dict[str, Any]]:
        with self.state.lock:
            return [dict(r) for r in self.state.records.values()]

    @property
    def requests(self) -> list[tuple[str, str]]:
        with self.state.lock:
            return list(self.state.requests)

    def fail_next(self, count: int = 1) -> None:
        with self.state.lock:
            self.state.failures_left = count


def _envelope(result: Any, **extra: Any) -> dict[str, Any]:
    return {"success": True, "errors": [], "messages": [], "result": result, **extra}


def _error(code: int, message: str) -> dict[str, Any]:
    return {"success": False, "errors": [{"code": code, "message": message}], "messages": []}


def _make_handler(state: CloudflareState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _handle(self) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}") if length else {}
            with state.lock:
                state.requests.append((self.command, url.path))
                if self.headers.get("Authorization") != f"Bearer {state.token}":
                    self._send(403, _error(10000, "Authentication error"))
                    return
                if state.failures_left > 0:
                    state.failures_left -= 1
                    self._send(500, _error(1000, "Internal error (the fake was told to fail)"))
                    return
                status, payload = _route(state, self.command, url.path, url.query, body)
            self._send(status, payload)

        do_GET = do_POST = do_PUT = do_PATCH = _handle

    return Handler


def _route(
    state: CloudflareState, method: str, path: str, query: str, body: dict[str, Any]
) -> tuple[int, dict[str, Any]]:
    prefix = f"/client/v4/zones/{state.zone_id}/dns_records"
    if not path.startswith(prefix):
        return 404, _error(7003, "Could not route to " + path)
    record_id = path[len(prefix) :].strip("/")
    if method == "GET" and not record_id:
        params = dict(parse_qsl(query))
        name = (params.get("name.exact") or params.get("name") or "").lower()
        found = [r for r in state.records.values() if not name or r["name"].lower() == name]
        # The SDK asks for page after page until one comes back empty, as Cloudflare's does.
        page, per_page = int(params.get("page", 1)), int(params.get("per_page", 100))
        shown = found[(page - 1) * per_page : page * per_page]
        pages = max(1, -(-len(found) // per_page))
        info = {"page": page, "per_page": per_page, "count": len(shown)}
        return 200, _envelope(
            shown, result_info={**info, "total_count": len(found), "total_pages": pages}
        )
    if method == "POST" and not record_id:
        if any(r["name"] == body.get("name") for r in state.records.values()):
            return 400, _error(81057, "A record with the same settings already exists.")
        record = {"id": uuid.uuid4().hex, "zone_id": state.zone_id, **body}
        state.records[record["id"]] = record
        return 200, _envelope(record)
    if method == "PUT" and record_id in state.records:
        record = {"id": record_id, "zone_id": state.zone_id, **body}
        state.records[record_id] = record
        return 200, _envelope(record)
    return 404, _error(81044, "Record does not exist.")
