"""Start the service once per test process on a free port and talk to it over real HTTP."""

from __future__ import annotations

import json
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

# Tests may be discovered with `-s tests`, which puts only tests/ on sys.path.
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import server  # noqa: E402

_lock = threading.Lock()
_base_url = ""


def base_url() -> str:
    """URL of the running test server, started on first use."""
    global _base_url
    with _lock:
        if not _base_url:
            httpd = server.make_server("127.0.0.1", 0)
            threading.Thread(target=httpd.serve_forever, daemon=True).start()
            _base_url = f"http://127.0.0.1:{httpd.server_address[1]}"
    return _base_url


def request(method: str, path: str, payload: Any = None) -> tuple[int, Any]:
    data = None if payload is None else json.dumps(payload).encode()
    req = urllib.request.Request(base_url() + path, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, _decode(resp.read())
    except urllib.error.HTTPError as err:
        # 4xx/5xx are answers to assert on, not failures of the helper.
        return err.code, _decode(err.read())


def get(path: str) -> tuple[int, Any]:
    return request("GET", path)


def post(path: str, json_body: Any) -> tuple[int, Any]:
    return request("POST", path, json_body)


def _decode(raw: bytes) -> Any:
    return json.loads(raw) if raw else None
