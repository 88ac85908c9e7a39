"""How the fakes serve: stdlib ThreadingHTTPServer on loopback, in a daemon thread."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def serve_in_background(
    handler: type[BaseHTTPRequestHandler], port: int = 0
) -> ThreadingHTTPServer:
    """Started and answering; port 0 picks a free one (`server_address[1]`)."""
    httpd = ThreadingHTTPServer(("127.0.0.1", port), handler)
    httpd.daemon_threads = True
    # A short poll interval keeps shutdown() (fixture teardown) fast.
    threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    ).start()
    return httpd


def stop_serving(httpd: ThreadingHTTPServer | None) -> None:
    if httpd is not None:
        httpd.shutdown()
        httpd.server_close()
