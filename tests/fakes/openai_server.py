"""A real HTTP server speaking OpenAI's chat.completions protocol, scripted by the test.

Queue responses with `reply()` / `fail()`, or give `respond` (request body -> response body,
e.g. built with `completion()`) to answer whatever the queue does not; every request body is
recorded in `requests`. Runs stdlib `ThreadingHTTPServer` on a free port in a daemon thread.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class RecordedRequest:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class FakeOpenAIServer:
    requests: list[RecordedRequest] = field(default_factory=list)
    respond: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    _queue: deque[tuple[int, dict[str, Any]]] = field(default_factory=deque)
    _httpd: ThreadingHTTPServer | None = None

    def __enter__(self) -> FakeOpenAIServer:
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        self._httpd.daemon_threads = True
        # A short poll interval keeps shutdown() (fixture teardown) fast.
        threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    @property
    def base_url(self) -> str:
        assert self._httpd is not None, "use the server as a context manager"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def reply(
        self,
        content: str | None = None,
        *,
        tool_calls: Sequence[tuple[str, str, str]] = (),
        prompt_tokens: int = 11,
        completion_tokens: int = 7,
        model: str = "fake-model",
    ) -> None:
        """Queue a completion; tool_calls are (id, name, raw arguments string)."""
        self._queue.append(
            (200, completion(content, tool_calls, prompt_tokens, completion_tokens, model))
        )

    def fail(self, status: int, message: str, error_type: str = "invalid_request_error") -> None:
        """Queue an OpenAI-style error response."""
        self._queue.append(
            (status, {"error": {"message": message, "type": error_type, "code": None}})
        )

    def _next(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if self._queue:
            return self._queue.popleft()
        if self.respond is not None:
            try:
                return 200, self.respond(body)
            except Exception as exc:  # the test's script failed: say so instead of hanging up
                return 500, {"error": {"message": f"fake server: {exc!r}"}}
        return 500, {"error": {"message": "fake server: no scripted response left"}}


def completion(
    content: str | None,
    tool_calls: Sequence[tuple[str, str, str]] = (),
    prompt_tokens: int = 11,
    completion_tokens: int = 7,
    model: str = "fake-model",
) -> dict[str, Any]:
    """A chat.completion response body; tool_calls are (id, name, raw arguments string)."""
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = [
            {"id": cid, "type": "function", "function": {"name": name, "arguments": args}}
            for cid, name, args in tool_calls
        ]
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 1700000000,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": "tool_calls" if tool_calls else "stop",
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def _make_handler(fake: FakeOpenAIServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            fake.requests.append(
                RecordedRequest(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            )
            if self.path != "/v1/chat/completions":
                status, payload = 404, {"error": {"message": f"unknown path {self.path}"}}
            else:
                status, payload = fake._next(body)
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep pytest output clean

    return Handler
