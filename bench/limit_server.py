"""The limit: a bare asyncio websocket broadcast server (websockets on uvloop), rooms, no storage.

    python -m bench.limit_server PORT

WS /ws?room=R joins room R; every text frame a client sends is broadcast to
the room (the sender included, as Horn does). GET /ping answers a tiny JSON
body, the bare-HTTP counterpart of Horn's /api/ping.
"""

from __future__ import annotations

import asyncio
import sys
from collections import defaultdict
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

import uvloop
from websockets.asyncio.server import broadcast, serve
from websockets.datastructures import Headers
from websockets.http11 import Response

rooms: dict[str, set] = defaultdict(set)


def http(connection, request):
    path = urlsplit(request.path).path
    if path == "/ping":
        body = b'{"code":0,"msg":"ok","interval":30}'
        headers = Headers([("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return Response(HTTPStatus.OK, "OK", headers, body)
    return None  # a websocket handshake


async def handler(ws):
    room = parse_qs(urlsplit(ws.request.path).query).get("room", [""])[0]
    members = rooms[room]
    members.add(ws)
    try:
        async for message in ws:
            broadcast(members, message)
    finally:
        members.discard(ws)


async def main(port: int) -> None:
    # No compression: the limit is the least a Python websocket can cost (Horn runs without it too).
    async with serve(
        handler, "127.0.0.1", port, process_request=http, max_queue=None, ping_interval=None, compression=None
    ):
        await asyncio.get_running_loop().create_future()


if __name__ == "__main__":
    uvloop.run(main(int(sys.argv[1])))
