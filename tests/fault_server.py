"""A PDS that answers every call the same way (a 503, a redirect, nothing for a while):
faults the real server cannot be made to produce. It counts the calls it received."""

from __future__ import annotations

import http.server
import threading
import time
from contextlib import contextmanager

UNAVAILABLE = b'{"code":"ServiceUnavailable","message":"down for maintenance"}'


class _Fixed(http.server.BaseHTTPRequestHandler):
    calls = 0
    status = 503
    body = UNAVAILABLE
    headers_out: dict[str, str] = {}
    delay = 0.0

    def do_POST(self):  # noqa: N802 - the stdlib's name
        type(self).calls += 1
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        time.sleep(self.delay)  # a server that takes its time: the client's timeout is what is tested
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("x-ca-request-id", "REQ123")
        for name, value in self.headers_out.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


@contextmanager
def pds_answering(status: int, body: bytes = b"", *, headers: dict[str, str] | None = None, delay: float = 0.0):
    """Yields (base URL, handler class whose `calls` counts the requests)."""
    handler = type(
        "FixedAnswer",
        (_Fixed,),
        {"calls": 0, "status": status, "body": body, "headers_out": headers or {}, "delay": delay},
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def pds_answering_503():
    with pds_answering(503, UNAVAILABLE) as answering:
        yield answering
