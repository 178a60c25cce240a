"""A webhook receiver on loopback: records every request and answers as a test tells it to."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    headers: dict
    raw: bytes

    @property
    def body(self) -> dict:
        return json.loads(self.raw)


@dataclass
class Receiver:
    """`answers`: (status, seconds to wait first) for the next requests, in order; then 200 at once."""

    answers: list = field(default_factory=list)
    default: int = 200
    got: list[Received] = field(default_factory=list)

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status, wait = receiver.answers.pop(0) if receiver.answers else (receiver.default, 0)
                if wait:
                    time.sleep(wait)
                receiver.got.append(Received(dict(self.headers), raw))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/horn"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def wait(self, count: int, timeout: float = 20.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.got) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(self.got) >= count, f"expected {count} deliveries, got {len(self.got)}"
        return self.got
