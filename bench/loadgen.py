"""Load-generator pieces: a lean keep-alive HTTP client, websocket receivers, latency stats.

Everything is asyncio on loopback. Receivers only count frames that carry the
benchmark marker; a few probes also parse the send timestamp out of the text
to measure latency, so the generator stays cheap next to the server.
"""

from __future__ import annotations

import asyncio
import json
import re
import time

from websockets.asyncio.client import connect

MARK = b"~bench~"
STAMP = re.compile(rb"~bench~(\d+)~")


def stamp_text(seq: int) -> str:
    return f"~bench~{time.time_ns()}~{seq}"


class RawHttp:
    """HTTP/1.1 keep-alive over one connection; enough for JSON requests to a known server."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader = self.writer = None

    async def request(
        self, method: str, path: str, body: bytes = b"", headers: dict | None = None
    ) -> tuple[int, bytes]:
        try:
            return await self._request(method, path, body, headers)
        except (ConnectionError, IndexError):
            # The server closed an idle keep-alive connection (uvicorn: after 5 s): reconnect once.
            self.writer = None
            return await self._request(method, path, body, headers)

    async def _request(self, method: str, path: str, body: bytes, headers: dict | None) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nContent-Length: {len(body)}\r\n"
        head += "Content-Type: application/json\r\n"
        for k, v in (headers or {}).items():
            head += f"{k}: {v}\r\n"
        self.writer.write(head.encode() + b"\r\n" + body)
        status_line = await self.reader.readline()
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        data = await self.reader.readexactly(length) if length else b""
        return int(status_line.split()[1]), data

    async def close(self):
        if self.writer is not None:
            self.writer.close()


class Receiver:
    """One websocket: counts marked frames; a probe also records latency (ms) per frame."""

    def __init__(self, url: str, probe: bool = False):
        self.url, self.probe = url, probe
        self.count = 0
        self.latencies: list[float] = []
        self.ws = None
        self.task = None

    async def open(self, **kwargs) -> None:
        self.ws = await connect(self.url, max_size=None, ping_interval=None, open_timeout=60, **kwargs)
        self.task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        try:
            async for frame in self.ws:
                data = frame.encode() if isinstance(frame, str) else frame
                if MARK in data:
                    self.count += 1
                    if self.probe:
                        sent = int(STAMP.search(data).group(1))
                        self.latencies.append((time.time_ns() - sent) / 1e6)
        except Exception:
            pass

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self.task is not None:
            self.task.cancel()


def percentiles(values: list[float]) -> dict:
    if not values:
        return {"p50": None, "p95": None, "p99": None}
    s = sorted(values)

    def at(p):
        return round(s[min(len(s) - 1, int(p * len(s)))], 2)

    return {"p50": at(0.50), "p95": at(0.95), "p99": at(0.99)}


def dumps(obj) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()
