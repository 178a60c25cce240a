"""Issue 14's figures: webhook deliveries/s and lag, the event stream's cost on the message path, bot round trips.

- webhooks: a receiver on loopback (a bare asyncio HTTP server answering 200) is
  subscribed to `personalChatSent`; chat messages go in at a steady rate, then as a
  burst. The lag is from the send to the delivery's arrival (same clock: both ends
  are this process); deliveries/s is how fast the burst drains.
- eventstream: the chat-shaped scenario at one rate with the event stream off and
  on, a fresh server each (like the rate-limit cost), off-on-on-off.
- bot: API-key bots on /bot each send `text` requests into their chat; the round
  trip is request -> `success`.
"""

from __future__ import annotations

import asyncio
import json
import random
import time

from websockets.asyncio.client import connect

from .loadgen import RawHttp, dumps, percentiles
from .systems import Horn

WEBHOOKS_ON = {"HORN_WEBHOOKS": "1", "HORN_WEBHOOK_ALLOW_PRIVATE": "1"}  # the receiver is on loopback


class Sink:
    """A webhook receiver: HTTP/1.1 keep-alive, 200 to everything, the arrival time of each delivery by its text."""

    def __init__(self):
        self.arrived: dict[str, float] = {}
        self.server = None

    async def start(self) -> str:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}/hook"

    async def _serve(self, reader, writer):
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                body = await reader.readexactly(length)
                now = time.monotonic()
                data = json.loads(body)["data"]
                self.arrived.setdefault(data.get("payload", ""), now)
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    async def wait(self, texts: list[str], cap: float = 60) -> None:
        deadline = time.monotonic() + cap
        while time.monotonic() < deadline and not all(t in self.arrived for t in texts):
            await asyncio.sleep(0.02)

    def close(self) -> None:
        self.server.close()


async def webhooks(port: int, cfg: dict) -> dict:
    system = Horn(port, extra_env=WEBHOOKS_ON)
    system.start()
    sink = Sink()
    try:
        url = await sink.start()
        http = RawHttp("127.0.0.1", port)
        admin = {"Authorization": f"Token {system.staff[0]['token']}"}  # alice, the demo org's admin
        status, body = await http.request(
            "POST", "/api/webhooks", dumps({"url": url, "events": ["personalChatSent"]}), admin
        )
        assert status == 200, body
        rooms = await system.make_rooms(cfg["webhook_rooms"], random.Random(3))
        sent: dict[str, float] = {}

        async def send(i: int, label: str) -> None:
            room = rooms[i % len(rooms)]
            text = f"{label}-{i}"
            sent[text] = time.monotonic()
            await system.send(room, room.members[0], None, text)

        # Steady: the lag at a rate a shop's CRM would see.
        rate, n = cfg["webhook_rate"], int(cfg["webhook_rate"] * cfg["duration"])
        t0, tasks = time.monotonic(), []
        for i in range(n):
            delay = t0 + i / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(send(i, "steady")))
        await asyncio.gather(*tasks)
        steady = [t for t in sent if t.startswith("steady")]
        await sink.wait(steady)
        lag = [(sink.arrived[t] - sent[t]) * 1000 for t in steady if t in sink.arrived]
        # Burst: how fast a backlog drains.
        burst_n = cfg["webhook_burst"]
        b0 = time.monotonic()
        await asyncio.gather(*(send(i, "burst") for i in range(burst_n)))
        burst = [t for t in sent if t.startswith("burst")]
        await sink.wait(burst)
        drained = max((sink.arrived[t] for t in burst if t in sink.arrived), default=b0) - b0
        await http.close()
        await system.close()
        return {
            "rate": rate,
            "sent": len(steady),
            "delivered": len(lag),
            "lag_ms": percentiles(lag),
            "burst": burst_n,
            "burst_delivered": sum(1 for t in burst if t in sink.arrived),
            "deliveries_per_s": round(burst_n / drained, 1) if drained else None,
        }
    finally:
        sink.close()
        system.stop()


async def event_stream_cost(port: int, cfg: dict, chat_shaped) -> dict:
    """The chat-shaped scenario at one rate with the event stream off and on, a fresh server each, in the
    order off, on, on, off (so drift over the run falls on both sides); each side's p99 is the mean of its two."""
    out = {"rate": cfg["eventstream_rate"], "runs": []}
    one_rate = {**cfg, "rates": [cfg["eventstream_rate"]]}
    for label in ("off", "on", "on", "off"):
        system = Horn(port, extra_env={"HORN_EVENT_STREAM": "1" if label == "on" else "0"})
        system.start()
        try:
            shaped = await chat_shaped(system, one_rate)
            await system.close()
        finally:
            system.stop()
        out["runs"].append({"stream": label, **shaped["by_rate"][0]})
    for label in ("off", "on"):
        p99s = [run["p99"] for run in out["runs"] if run["stream"] == label]
        out[label] = {"p99": round(sum(p99s) / len(p99s), 2) if all(p99s) else None, "p99s": p99s}
    off, on = out["off"]["p99"], out["on"]["p99"]
    out["p99_increase_pct"] = round((on - off) / off * 100, 1) if off and on else None
    return out


async def bot_round_trip(port: int, cfg: dict) -> dict:
    system = Horn(port)
    system.start()
    try:
        made = json.loads(system.manage("horn_key", "create", "--org", "Bench", "--name", "bench bot", "--json"))
        key = made["key"]
        rooms = await system.make_rooms(cfg["bots"], random.Random(5), members_per_room=(1, 1))
        latencies: list[float] = []
        url = system.base.replace("http", "ws") + f"/bot?apiKey={key}"

        async def one_bot(i: int) -> None:
            async with connect(url, max_size=None) as ws:
                await ws.send(json.dumps({"type": "hello", "backend_id": f"bench-{i}"}))
                while json.loads(await ws.recv())["type"] != "welcome":
                    pass
                chat = rooms[i].id
                await ws.send(
                    json.dumps({"type": "send", "id": "j", "message": {"type": "join_chat", "chat": {"id": chat}}})
                )
                await _reply(ws, "j")
                per_bot = int(cfg["bot_rate"] * cfg["duration"] / cfg["bots"])
                for n in range(per_bot):
                    t = time.monotonic()
                    span[0] = min(span[0], t)
                    message = {"type": "text", "chat": {"id": chat}, "text": f"bot {i} says {n}"}
                    await ws.send(json.dumps({"type": "send", "id": n, "message": message}))
                    await _reply(ws, n)
                    latencies.append((time.monotonic() - t) * 1000)
                    span[1] = max(span[1], time.monotonic())
                    await asyncio.sleep(max(0.0, cfg["bots"] / cfg["bot_rate"] - (time.monotonic() - t)))

        # The rate over the requests themselves: a bot's closing handshake can wait out the client's
        # 10 s close timeout when frames it never read are still queued, which is not a request's time.
        span = [float("inf"), 0.0]
        await asyncio.gather(*(one_bot(i) for i in range(cfg["bots"])))
        return {
            "bots": cfg["bots"],
            "requests": len(latencies),
            "per_s": round(len(latencies) / (span[1] - span[0]), 1),
            **percentiles(latencies),
        }
    finally:
        system.stop()


async def _reply(ws, request_id) -> dict:
    while True:
        frame = json.loads(await ws.recv())
        if frame.get("id") == request_id and frame.get("type") in ("success", "failed"):
            assert frame["type"] == "success", frame
            return frame


async def integrations(port: int, cfg: dict, chat_shaped) -> dict:
    out = {"webhooks": await webhooks(port, cfg)}
    print("  webhooks", json.dumps(out["webhooks"]), flush=True)
    out["bot"] = await bot_round_trip(port, cfg)
    print("  bot round trip", json.dumps(out["bot"]), flush=True)
    out["eventstream"] = await event_stream_cost(port, cfg, chat_shaped)
    print("  event stream off/on", json.dumps(out["eventstream"]), flush=True)
    return out
