"""A real HTTP server speaking OpenAI's chat.completions protocol, scripted by the test.

Queue responses with `reply()` / `fail()`, faults with `rate_limit()` (429 + retry-after),
`hang()` (answers after the client gave up) and `garble()` (200 with a body that is not JSON),
or give `respond` (request body -> response body, e.g. built with `completion()`, or
tests/fakes/offline_llm.py's OfflineResponder, which plays a whole project) to answer whatever
the queue does not; every request body is recorded in `requests`. `/v1/messages` speaks
Anthropic's Messages API through `respond_anthropic`; `/v1beta/models/{model}:generateContent`
(and `/v1/...`) speaks Google's Generative Language API through `respond_google`, and renders
queued errors in Google's error JSON (a 429's wait as a RetryInfo detail, as Google sends it).
Runs stdlib `ThreadingHTTPServer` on a free port in a daemon thread.
"""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.fakes import google_wire
from tests.fakes.serving import serve_in_background, stop_serving


@dataclass
class RecordedRequest:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    at: float = field(default_factory=time.monotonic)
    status: int = 0  # what the fake answered


@dataclass(frozen=True)
class Scripted:
    status: int
    body: dict[str, Any] | bytes  # bytes: sent as they are (a malformed body)
    headers: tuple[tuple[str, str], ...] = ()
    delay_s: float = 0.0


@dataclass
class FakeOpenAIServer:
    requests: list[RecordedRequest] = field(default_factory=list)
    respond: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    respond_anthropic: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    # Google's body carries no model name: it is in the path, handed over as the second argument.
    respond_google: Callable[[dict[str, Any], str], dict[str, Any]] | None = None
    _queue: deque[Scripted] = field(default_factory=deque)
    _httpd: ThreadingHTTPServer | None = None

    def __enter__(self) -> FakeOpenAIServer:
        self._httpd = serve_in_background(_make_handler(self))
        return self

    def __exit__(self, *exc: object) -> None:
        stop_serving(self._httpd)

    @property
    def base_url(self) -> str:
        assert self._httpd is not None, "use the server as a context manager"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    @property
    def anthropic_url(self) -> str:
        """Anthropic's clients add /v1/messages themselves."""
        return self.base_url.removesuffix("/v1")

    @property
    def google_url(self) -> str:
        """Google's clients add /{api version}/models/{model}:generateContent themselves."""
        return self.base_url.removesuffix("/v1")

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
            Scripted(200, completion(content, tool_calls, prompt_tokens, completion_tokens, model))
        )

    def fail(
        self,
        status: int,
        message: str,
        error_type: str = "invalid_request_error",
        headers: tuple[tuple[str, str], ...] = (),
    ) -> None:
        """Queue an OpenAI-style error response."""
        self._queue.append(
            Scripted(
                status, {"error": {"message": message, "type": error_type, "code": None}}, headers
            )
        )

    def rate_limit(self, retry_after_s: int) -> None:
        self.fail(
            429, "Rate limit reached", "rate_limit_error", (("retry-after", str(retry_after_s)),)
        )

    def hang(self, seconds: float) -> None:
        """The next request is answered only after `seconds` (the client times out first)."""
        self._queue.append(Scripted(500, {"error": {"message": "too late"}}, delay_s=seconds))

    def garble(self) -> None:
        self._queue.append(Scripted(200, b'{"id": "chatcmpl-fake", "choices": [{"mess'))

    def _next(self, body: dict[str, Any], path: str) -> Scripted:
        if self._queue:
            return self._queue.popleft()
        google_model = google_wire.model_of(path)
        respond: Callable[[dict[str, Any]], dict[str, Any]] | None
        if google_model is not None:
            google = self.respond_google
            respond = None if google is None else (lambda b: google(b, google_model))
        else:
            respond = self.respond_anthropic if path == "/v1/messages" else self.respond
        if respond is not None:
            try:
                return Scripted(200, respond(body))
            except Exception as exc:  # the test's script failed: say so instead of hanging up
                return Scripted(500, {"error": {"message": f"fake server: {exc!r}"}})
        return Scripted(500, {"error": {"message": "fake server: no scripted response left"}})


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


def _as_google_error(out: Scripted) -> Scripted:
    """A queued error in Google's shape: {"error": {code, message, status, details}}, the
    retry-after header moved into a RetryInfo detail (Google sends no Retry-After)."""
    if out.status < 400 or not isinstance(out.body, dict) or "error" not in out.body:
        return out
    headers = dict(out.headers)
    wait = headers.pop("retry-after", None)
    message = str(out.body["error"].get("message", ""))
    return Scripted(
        out.status,
        google_wire.error(out.status, message, retry_delay_s=float(wait) if wait else None),
        tuple(headers.items()),
        out.delay_s,
    )


def _make_handler(fake: FakeOpenAIServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            fake.requests.append(
                RecordedRequest(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            )
            google = google_wire.model_of(self.path) is not None
            if not google and self.path not in ("/v1/chat/completions", "/v1/messages"):
                out = Scripted(404, {"error": {"message": f"unknown path {self.path}"}})
            else:
                out = fake._next(body, self.path)
            if google:
                out = _as_google_error(out)
            fake.requests[-1].status = out.status
            if out.delay_s:
                time.sleep(out.delay_s)
            data = out.body if isinstance(out.body, bytes) else json.dumps(out.body).encode()
            try:
                self._send(out, data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a hang it was meant to time out on)

        def _send(self, out: Scripted, data: bytes) -> None:
            self.send_response(out.status)
            for name, value in out.headers:
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep pytest output clean

    return Handler
