"""A PDS that answers 503 to everything: a fault the real server cannot be made to produce.
It counts the calls it received."""

from __future__ import annotations

import http.server
import threading
from contextlib import contextmanager


class _Always503(http.server.BaseHTTPRequestHandler):
    calls = 0

    def do_POST(self):  # noqa: N802 - the stdlib's name
        type(self).calls += 1
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(503)
        self.send_header("Content-Type", "application/json")
        self.send_header("x-ca-request-id", "REQ123")
        self.end_headers()
        self.wfile.write(b'{"code":"ServiceUnavailable","message":"down for maintenance"}')

    def log_message(self, *args):
        pass


@contextmanager
def pds_answering_503():
    """Yields (base URL, handler class whose `calls` counts the requests)."""
    handler = type("Always503", (_Always503,), {"calls": 0})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler
    finally:
        server.shutdown()
