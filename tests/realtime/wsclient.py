"""A small websocket test client: connect as a visitor or staff, collect frames until quiet."""

from __future__ import annotations

import base64
import json
import os
import socket
import struct
from urllib.parse import urlencode

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect


def ws_url(server: str, who, **params) -> str:
    query = {"uid": who.uid, "token": who.token, **{k: v for k, v in params.items() if v is not None}}
    return server.replace("http://", "ws://") + "/ws?" + urlencode(query)


def open_ws(server: str, who, origin: str | None = None, rcvbuf: int | None = None, **params):
    headers = {"Origin": origin} if origin else None
    sock = None
    if rcvbuf is not None:  # a small receive buffer makes a non-reading client back up sooner
        host, port = server.removeprefix("http://").split(":")
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        sock.connect((host, int(port)))
    return connect(ws_url(server, who, **params), additional_headers=headers, open_timeout=10, sock=sock)


def frames(ws, quiet: float = 0.5, until=None) -> list[dict]:
    """Frames until none arrives for `quiet` seconds (or `until(frames)` holds)."""
    out = []
    while True:
        try:
            out.append(json.loads(ws.recv(timeout=quiet)))
        except TimeoutError:
            return out
        except ConnectionClosed:
            return out
        if until is not None and until(out):
            return out


def events(frames_: list[dict]) -> list[dict]:
    """Only stored events (they carry a version), not notices or control frames."""
    return [f for f in frames_ if "version" in f and "type" in f]


def closed_with(ws) -> tuple[int | None, list[dict]]:
    got = frames(ws, quiet=5)
    return (ws.close_code, got)


class RawWebSocket:
    """A client that completes the handshake and then reads nothing until asked: a truly slow reader.

    (websockets' own client reads in a background thread, so it never backs up.)
    """

    def __init__(self, server: str, who, **params):
        host, port = server.removeprefix("http://").split(":")
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.sock.connect((host, int(port)))
        path = ws_url(server, who, **params).split(port, 1)[1]
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            self.buf += self.sock.recv(1)
        assert self.buf.startswith(b"HTTP/1.1 101"), self.buf
        self.buf = b""

    def _read(self, n: int) -> bytes:
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def drain(self, timeout: float = 20) -> tuple[list[dict], int | None]:
        """Read every frame; returns the text frames and the close code (None if no close frame)."""
        self.sock.settimeout(timeout)
        texts, code = [], None
        try:
            while code is None:
                b0, b1 = self._read(2)
                length = b1 & 0x7F
                if length == 126:
                    length = struct.unpack("!H", self._read(2))[0]
                elif length == 127:
                    length = struct.unpack("!Q", self._read(8))[0]
                payload = self._read(length)
                opcode = b0 & 0x0F
                if opcode == 1:
                    texts.append(json.loads(payload))
                elif opcode == 8:
                    code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
        except (EOFError, TimeoutError):
            pass
        self.sock.close()
        return texts, code
