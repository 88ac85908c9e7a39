"""HTTP entry point: merges the ROUTES of every module in `routes/` and serves them as JSON.

Standard library only, so the service runs anywhere `python3` does. A route module exports
`ROUTES = {("GET", "/path"): handler}`; `handler(request)` returns `(status, json_body)`.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

log = logging.getLogger("server")


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, list[str]] = field(default_factory=dict)
    json: Any = None
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Request], tuple[int, Any]]
Routes = dict[tuple[str, str], Handler]


def load_routes(package: str = "routes") -> Routes:
    """Import every module of `package` and merge their ROUTES; a duplicate route is an error."""
    pkg = importlib.import_module(package)
    routes: Routes = {}
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{package}.{info.name}")
        for key, handler in getattr(module, "ROUTES", {}).items():
            method, path = key[0].upper(), key[1]
            if (method, path) in routes:
                raise RuntimeError(f"route {method} {path} is defined twice (in {info.name})")
            routes[(method, path)] = handler
    return routes


def make_handler(routes: Routes) -> type[BaseHTTPRequestHandler]:
    class JsonHandler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._dispatch("GET")

        def do_POST(self) -> None:
            self._dispatch("POST")

        def do_PUT(self) -> None:
            self._dispatch("PUT")

        def do_PATCH(self) -> None:
            self._dispatch("PATCH")

        def do_DELETE(self) -> None:
            self._dispatch("DELETE")

        def _dispatch(self, method: str) -> None:
            url = urlsplit(self.path)
            path = url.path.rstrip("/") or "/"
            handler = routes.get((method, path))
            if handler is None:
                known = any(p == path for _, p in routes)
                status = 405 if known else 404
                self._send(status, {"error": "method not allowed" if known else "not found"})
                return
            try:
                body = self._read_json()
            except ValueError:
                self._send(400, {"error": "request body is not valid JSON"})
                return
            request = Request(method, path, parse_qs(url.query), body, dict(self.headers.items()))
            try:
                status, payload = handler(request)
            except Exception:
                # One broken handler must not take the server down; the client gets a JSON 500.
                log.exception("handler for %s %s failed", method, path)
                self._send(500, {"error": "internal server error"})
                return
            self._send(status, payload)

        def _read_json(self) -> Any:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            return json.loads(raw) if raw.strip() else None

        def _send(self, status: int, payload: Any) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            # Access lines go to the logger (debug), not raw stderr, to keep test output readable.
            log.debug("%s - %s", self.address_string(), format % args)

    return JsonHandler


def make_server(host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    """Build a server with all routes loaded; port 0 picks a free port."""
    server = ThreadingHTTPServer((host, port), make_handler(load_routes()))
    server.daemon_threads = True
    return server


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8080")))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    server = make_server(args.host, args.port)
    log.info("listening on http://%s:%d", args.host, server.server_address[1])
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
