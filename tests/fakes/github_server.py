"""A fake GitHub: the REST API PyGithub speaks, plus smart-HTTP git for the repositories it keeps.

In tests: `with FakeGitHub(tmp_path) as gh:` then `gh.api_url`, `gh.state` (repositories,
pulls, reviews, issued tokens, every request recorded with method, path and headers) and
`gh.state.rate_limit(...)` to refuse the next requests the way GitHub does.
Standalone, to try `orchestrator up` with FORGE_KIND=github:
`python -m tests.fakes.github_server --port 9999 --data /tmp/fake-gh --token-file /tmp/gh-token`.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.fakes import github_git
from tests.fakes.github_routes import APP_ROUTES, REPO_PATH, ROUTES, Call
from tests.fakes.github_state import GitHubState, Installation, RecordedRequest
from tests.fakes.serving import serve_in_background, stop_serving


class FakeGitHub:
    def __init__(
        self,
        root: Path,
        *,
        port: int = 0,
        token_lifetime_s: float = 3600.0,
        installation: Installation | None = None,
    ) -> None:
        self.state = GitHubState(root, token_lifetime_s=token_lifetime_s, installation=installation)
        self._port = port
        self._httpd: ThreadingHTTPServer | None = None

    def __enter__(self) -> FakeGitHub:
        self._httpd = serve_in_background(_make_handler(self), self._port)
        return self

    def __exit__(self, *exc: object) -> None:
        stop_serving(self._httpd)

    @property
    def api_url(self) -> str:
        assert self._httpd is not None, "use the server as a context manager"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def requests_to(self, method: str, path_part: str) -> list[RecordedRequest]:
        with self.state.lock:
            return [r for r in self.state.requests if r.method == method and path_part in r.path]


def _make_handler(server: FakeGitHub) -> type[BaseHTTPRequestHandler]:
    state = server.state

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet, like the other fakes
            pass

        def _body(self) -> bytes:
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                chunks = []
                while size := int(self.rfile.readline().strip() or b"0", 16):
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
                self.rfile.readline()
                return b"".join(chunks)
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def _send(self, status: int, body: bytes, headers: list[tuple[str, str]]) -> None:
            self._record.status = status
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _json(self, status: int, payload: Any, extra: list[tuple[str, str]] = ()) -> None:  # type: ignore[assignment]
            if isinstance(payload, str):
                body, kind = payload.encode(), "text/plain; charset=utf-8"
            else:
                body, kind = json.dumps(payload).encode(), "application/json; charset=utf-8"
            self._send(status, body, [("Content-Type", kind), *extra])

        def _handle(self) -> None:
            split = urlsplit(self.path)
            self._record = RecordedRequest(
                self.command, split.path, dict(self.headers), time.time()
            )
            with state.lock:
                state.requests.append(self._record)
            body = self._body()
            if split.path.startswith("/git/"):
                return self._git(split.path[len("/git") :], split.query, body)
            if (limited := state.take_rate_limit(split.path)) is not None:
                return self._rate_limited(*limited)
            self._api(split.path, split.query, body)

        def _rate_limited(self, limit: Any, reset: int) -> None:
            headers = [
                ("X-RateLimit-Limit", "5000"),
                ("X-RateLimit-Remaining", "0"),
                ("X-RateLimit-Reset", str(reset)),
                ("X-RateLimit-Resource", "core"),
            ]
            if limit.retry_after is not None:
                headers.append(("Retry-After", str(limit.retry_after)))
            message = (
                "API rate limit exceeded for installation."
                if limit.status == 403
                else "You have exceeded a secondary rate limit."
            )
            self._json(limit.status, {"message": message}, headers)

        def _api(self, path: str, query: str, raw: bytes) -> None:
            auth = self.headers.get("Authorization", "")
            scheme, _, credential = auth.partition(" ")
            for routes, is_app in ((APP_ROUTES, True), (ROUTES, False)):
                method_routes = [r for r in routes if r[0] == self.command]
                for _, pattern, handler in method_routes:
                    if (match := pattern.match(path)) is None:
                        continue
                    login = self._authenticate(is_app, scheme, credential, path)
                    if login is None:
                        return self._json(401, {"message": "Bad credentials"})
                    about = REPO_PATH.match(path)
                    if about and not state.may_access(credential, about["owner"], about["name"]):
                        # GitHub does not confirm a repository the token may not see.
                        state.refuse_out_of_scope(path)
                        return self._json(404, {"message": "Not Found"})
                    call = Call(
                        state,
                        server.api_url,
                        login,
                        match,
                        json.loads(raw or b"{}"),
                        dict(parse_qsl(query)),
                        self.headers.get("Accept", ""),
                    )
                    return self._json(*handler(call))
            self._json(404, {"message": "Not Found"})

        def _authenticate(
            self, is_app: bool, scheme: str, credential: str, path: str
        ) -> str | None:
            if is_app:
                return "app" if scheme == "Bearer" and state.check_jwt(credential) else None
            login = state.login_for(credential) if scheme in ("token", "Bearer") else None
            if login is None and state.is_expired_installation_token(credential):
                with state.lock:
                    state.refused_expired.append(path)
            return login

        def _git(self, path_info: str, query: str, body: bytes) -> None:
            scheme, _, encoded = self.headers.get("Authorization", "").partition(" ")
            password = ""
            if scheme == "Basic":
                password = base64.b64decode(encoded).decode().partition(":")[2]
            login = state.login_for(password) if password else None
            if login is None:
                if password and state.is_expired_installation_token(password):
                    with state.lock:
                        state.refused_expired.append(path_info)
                return self._send(401, b"", [("WWW-Authenticate", 'Basic realm="GitHub"')])
            owner, _, name = path_info.strip("/").partition("/")
            name = name.split("/")[0].removesuffix(".git")
            if not state.may_access(password, owner, name):
                state.refuse_out_of_scope(path_info)
                return self._send(
                    403,
                    b"remote: Permission to the repository denied.\n",
                    [("Content-Type", "text/plain")],
                )
            headers = {k.lower(): v for k, v in self.headers.items()}
            done = github_git.http_backend(
                state.root,
                method=self.command,
                path_info=path_info,
                query=query,
                headers=headers,
                body=body,
                user=login,
            )
            self._send(done.status, done.body, done.headers)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

    return Handler


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=9999)
    parser.add_argument("--data", type=Path, default=Path("/tmp/fake-github"))
    parser.add_argument("--login", default="octo", help="the personal token's user")
    parser.add_argument("--token-file", type=Path, help="write a personal token here (0600)")
    parser.add_argument("--app-key-file", type=Path, help="write the App's private key here")
    args = parser.parse_args(argv)
    with FakeGitHub(args.data, port=args.port) as gh:
        for path, value in (
            (args.token_file, gh.state.add_user_token(args.login)),
            (args.app_key_file, gh.state.private_key_pem),
        ):
            if path is not None:
                path.touch(mode=0o600)
                os.chmod(path, 0o600)
                path.write_text(value)
        sys.stdout.write(f"fake GitHub on {gh.api_url} (App id {gh.state.app_id})\n")
        sys.stdout.flush()
        threading.Event().wait()


if __name__ == "__main__":
    main()
