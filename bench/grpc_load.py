"""The Support gRPC service under chat-shaped load, beside the websocket figures of bench/run.py.

    python -m bench.grpc_load                # 200 sessions, a few rates, the gRPC <-> /ws round trip
    python -m bench.grpc_load --smoke        # seconds: checks the harness

Horn runs as in bench/run.py (MariaDB, Redis, `horn.serve --workers 2`), with
`--grpc-port`. Two measurements:

- **gRPC chat**: `sessions` sessions, each a customer stream and an agent
  stream (gRPC, the generated stubs on grpc.aio). Open-loop sends at a fixed
  rate, from the customer or the agent of a session in turn; the other side
  receives it. Latency is send to receipt, from a timestamp in the text.
- **websocket chat**: bench/run.py's chat-shaped scenario on the same server
  and rates, with as many chats (1 visitor + 1-3 staff), for comparison.
- **gRPC customer -> websocket agent and back**: customers on gRPC, their
  agent on `/ws` (one connection per staff member, as a console has), who
  answers each message at once on the same websocket. One way is customer
  send to the agent's frame; the round trip ends when the customer's stream
  receives the answer.

BENCH_DB / BENCH_REDIS_URL choose the database and Redis db (they are wiped).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import resource
import socket
import time
from pathlib import Path

import grpc
from websockets.asyncio.client import connect

from apps.grpcapi import support_pb2 as pb
from apps.grpcapi import support_pb2_grpc

from .loadgen import RawHttp, dumps, percentiles, stamp_text
from .run import chat_shaped
from .systems import Horn

STAMP = re.compile(r"~bench~(\d+)~(\d+)")
FULL = {"sessions": 200, "rates": [100, 250, 500, 750], "duration": 5, "echo_sessions": 50, "echo_rate": 50}
# The generator's streams ride on this many HTTP/2 connections (own subchannels), so that the
# kernel's SO_REUSEPORT spreads them over the workers as it spreads browsers' websockets.
CHANNELS = 8
SMOKE = {"sessions": 10, "rates": [20], "duration": 2, "echo_sessions": 5, "echo_rate": 10}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ms_since(stamp_ns: int) -> float:
    return (time.time_ns() - stamp_ns) / 1e6


class Side:
    """One end of a session on gRPC: a stream, a write lock (one write at a time per call), what it received."""

    def __init__(self, call):
        self.call = call
        self.lock = asyncio.Lock()
        self.latencies: list[float] = []
        self.count = 0
        self.total = 0  # over every round: late arrivals included
        self.on_text = None  # optional callback(text) for the echo measurement
        self.reader: asyncio.Task | None = None
        self.error = ""  # how the stream ended, if the server ended it

    async def first(self):
        return await self.call.read()

    def listen(self) -> None:
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            await self._receive()
        except grpc.aio.AioRpcError as error:
            if error.code() != grpc.StatusCode.CANCELLED:
                self.error = f"{error.code().name}: {error.details()}"
                print("  stream ended:", self.error, flush=True)

    async def _receive(self) -> None:
        while (response := await self.call.read()) is not grpc.aio.EOF:
            if response.WhichOneof("resp") != "msg":
                continue
            text = response.msg.msg if isinstance(response.msg, pb.AgentMessage) else _entry_text(response.msg)
            found = STAMP.search(text)
            if found:
                self.count += 1
                self.total += 1
                self.latencies.append(ms_since(int(found.group(1))))
                if self.on_text is not None:
                    self.on_text(text)

    async def say(self, request) -> bool:
        async with self.lock:
            try:
                await self.call.write(request)
                return True
            except grpc.aio.AioRpcError:
                return False

    def close(self) -> None:
        self.call.cancel()
        if self.reader is not None:
            self.reader.cancel()


def _entry_text(entry: pb.ChatEntry) -> str:
    return entry.customer_msg if entry.WhichOneof("entry") == "customer_msg" else entry.agent_msg.msg


async def customer(stub, http: RawHttp, horn: Horn) -> tuple[Side, str]:
    visitor = await horn.visitor(http)
    side = Side(stub.ChatCustomer(metadata=(("x-horn-token", visitor["token"]),)))
    await side.say(pb.ChatCustomerRequest(init=pb.InitiateChat()))
    session_id = (await side.first()).session.session_id
    return side, session_id


async def agent(stub, staff: dict, session_id: str) -> Side:
    side = Side(stub.ChatAgent(metadata=(("authorization", f"Token {staff['token']}"),)))
    await side.say(pb.ChatAgentRequest(accept=pb.AcceptChat(session_id=session_id)))
    answer = await side.first()
    assert answer.accepted_session.session_id == session_id, answer
    return side


async def grpc_chat(horn: Horn, stubs: list, cfg: dict) -> dict:
    http = RawHttp("127.0.0.1", horn.port)
    pairs = []
    for i in range(cfg["sessions"]):
        c, session_id = await customer(stubs[i % len(stubs)], http, horn)
        a = await agent(stubs[(i + 1) % len(stubs)], horn.staff[i % len(horn.staff)], session_id)
        pairs.append((c, a))
    await http.close()
    sides = [s for pair in pairs for s in pair]
    for s in sides:
        s.listen()
    results, seq, all_sent = [], 0, 0
    for rate in [cfg["rates"][0], *cfg["rates"]]:  # the first round warms up, unreported
        warmup = not results and seq == 0
        for s in sides:
            s.count, s.latencies = 0, []
        n = int(rate * cfg["duration"] / (3 if warmup else 1))
        t0, tasks = time.monotonic(), []
        for i in range(n):
            delay = t0 + i / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            c, a = pairs[i % len(pairs)]
            seq += 1
            text = stamp_text(seq)
            if (i // len(pairs)) % 2 == 0:
                tasks.append(asyncio.create_task(c.say(pb.ChatCustomerRequest(msg=text))))
            else:
                tasks.append(asyncio.create_task(a.say(pb.ChatAgentRequest(msg=text))))
        written = sum(1 for ok in await asyncio.gather(*tasks) if ok)
        all_sent += n
        sent_for = time.monotonic() - t0
        await settle(sides, n)
        delivered = sum(s.count for s in sides)
        if warmup:
            continue
        lat = [x for s in sides for x in s.latencies]
        results.append(
            {
                "rate": rate,
                "achieved": round(n / sent_for, 1),
                "written": written,
                "sent": n,
                "delivered": delivered,
                "delivered_ratio": round(delivered / n, 5),
                **percentiles(lat),
            }
        )
        print("  grpc chat", json.dumps(results[-1]), flush=True)
    await asyncio.sleep(3)  # stragglers: what arrives late was slow, what never arrives was lost
    eventually = sum(s.total for s in sides)
    for s in sides:
        s.close()
    ok = [r for r in results if r["delivered_ratio"] >= 0.999 and (r["p99"] or 1e9) <= 50]
    return {
        "sessions": cfg["sessions"],
        "streams": len(sides),
        "by_rate": results,
        "sent_in_all": all_sent,
        "delivered_in_all": eventually,
        "stream_errors": [s.error for s in sides if s.error],
        "knee": max((r["rate"] for r in ok), default=0),
    }


async def settle(sides: list, expected: int, quiet: float = 1.5, cap: float = 20) -> None:
    last, changed, start = -1, time.monotonic(), time.monotonic()
    while time.monotonic() - start < cap:
        total = sum(s.count for s in sides)
        if total != last:
            last, changed = total, time.monotonic()
        if total >= expected or time.monotonic() - changed > quiet:
            return
        await asyncio.sleep(0.02)


async def grpc_to_websocket(horn: Horn, stubs: list, cfg: dict) -> dict:
    """Customers on gRPC, agents on /ws answering each message at once: one-way and round-trip latency."""
    http = RawHttp("127.0.0.1", horn.port)
    staff = horn.staff[: min(5, len(horn.staff))]
    sockets = [await connect(horn.ws_url(s["sid"], s["token"]), max_size=None, ping_interval=None) for s in staff]
    customers, one_way = [], []
    for i in range(cfg["echo_sessions"]):
        c, session_id = await customer(stubs[i % len(stubs)], http, horn)
        s = staff[i % len(staff)]
        status, body = await http.request(
            "POST", "/api/message", dumps({"type": "join_chat", "chat": {"id": session_id}}),
            {"Authorization": f"Token {s['token']}"},
        )  # fmt: skip
        assert status == 200, body
        customers.append(c)
    await http.close()

    async def answer(ws) -> None:
        async for frame in ws:
            event = json.loads(frame)
            text = event.get("text") or ""
            if event.get("type") == "text" and event["from"]["role"] == "user" and STAMP.search(text):
                one_way.append(ms_since(int(STAMP.search(text).group(1))))
                await ws.send(json.dumps({"type": "text", "chat": event["chat"], "text": "re " + text}))

    answering = [asyncio.create_task(answer(ws)) for ws in sockets]
    for c in customers:
        c.listen()
    n = cfg["echo_rate"] * cfg["duration"]
    t0 = time.monotonic()
    for i in range(n):
        delay = t0 + i / cfg["echo_rate"] - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        await customers[i % len(customers)].say(pb.ChatCustomerRequest(msg=stamp_text(i)))
    await settle(customers, n, quiet=3)
    round_trips = [x for c in customers for x in c.latencies]
    for task in answering:
        task.cancel()
    for ws in sockets:
        await ws.close()
    for c in customers:
        c.close()
    return {
        "sessions": cfg["echo_sessions"],
        "rate": cfg["echo_rate"],
        "sent": n,
        "answered": len(round_trips),
        "one_way_ms": percentiles(one_way),
        "round_trip_ms": percentiles(round_trips),
    }


async def main(args) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    cfg = SMOKE if args.smoke else FULL
    if args.rates:
        cfg = {**cfg, "rates": [int(r) for r in args.rates.split(",")]}
    if args.duration:
        cfg = {**cfg, "duration": args.duration}
    # Free ports by default: horn.serve binds with SO_REUSEPORT, so a fixed port another run
    # is using would be shared with it silently.
    args.port, args.grpc_port = args.port or free_port(), args.grpc_port or free_port()
    horn = Horn(args.port, workers=args.workers, grpc_port=args.grpc_port)
    horn.start()
    out = {"config": cfg, "workers": args.workers}
    try:
        options = [("grpc.use_local_subchannel_pool", 1)]
        channels = [grpc.aio.insecure_channel(f"127.0.0.1:{args.grpc_port}", options=options) for _ in range(CHANNELS)]
        stubs = [support_pb2_grpc.SupportStub(channel) for channel in channels]
        out["grpc_chat"] = await grpc_chat(horn, stubs, cfg)
        out["grpc_to_ws"] = await grpc_to_websocket(horn, stubs, cfg)
        print("  grpc -> ws -> grpc", json.dumps(out["grpc_to_ws"]), flush=True)
        for channel in channels:
            await channel.close()
        # The websocket chat of bench/run.py on the same server, the same sessions and rates: the
        # figures to set the gRPC ones beside (POST /api/message, receivers on /ws).
        ws_cfg = {"rooms": cfg["sessions"], "rates": cfg["rates"], "duration": cfg["duration"]}
        out["ws_chat"] = await chat_shaped(horn, ws_cfg)
        print("  ws chat", json.dumps(out["ws_chat"]["by_rate"]), flush=True)
    finally:
        horn.stop()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=2))
    print(f"JSON: {args.out}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--port", type=int, default=0, help="HTTP port (default: a free one)")
    parser.add_argument("--grpc-port", type=int, default=0, help="gRPC port (default: a free one)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rates", help="gRPC chat rates, e.g. 100,500")
    parser.add_argument("--duration", type=int, help="seconds per rate")
    parser.add_argument("--out", default="bench/results/grpc.json")
    asyncio.run(main(parser.parse_args()))
