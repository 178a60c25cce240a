"""Scenarios only Horn has something to measure for: long-poll, growth of the stored history, robustness.

The limit server and the naive peer have no long-poll, no storage and no
recovery story, so these rows carry Horn's figures alone.
"""

from __future__ import annotations

import asyncio
import io
import json
import random
import subprocess
import time

import httpx
from PIL import Image

from .loadgen import STAMP, RawHttp, Receiver, dumps, percentiles, stamp_text
from .systems import Horn, Room

# --- long-poll ---------------------------------------------------------------------


class Poller:
    """A visitor holding a /pull open in a loop, resuming from the version of each answer."""

    def __init__(self, horn: Horn, uid: str, token: str, cursor: str):
        self.http = RawHttp("127.0.0.1", horn.port)
        self.path = f"/pull?uid={uid}&token={token}&version="
        self.cursor = cursor
        self.latencies: list[float] = []
        self.count = 0
        self.errors = 0

    async def run(self) -> None:
        while True:
            try:
                status, body = await self.http.request("GET", self.path + self.cursor)
            except (OSError, asyncio.IncompleteReadError):
                self.errors += 1
                await asyncio.sleep(0.1)
                continue
            now = time.time_ns()
            if status != 200:
                self.errors += 1
                await asyncio.sleep(0.1)
                continue
            answer = json.loads(body)
            self.cursor = answer["version"]
            for item in answer["data"]:
                found = STAMP.search((item.get("text") or "").encode())
                if found:
                    self.count += 1
                    self.latencies.append((now - int(found.group(1))) / 1e6)


async def state_version(http: RawHttp, uid: str, headers: dict) -> str:
    status, body = await http.request("GET", f"/api/state/init?uid={uid}", b"", headers)
    assert status == 200, body
    return json.loads(body)["state"]["version"]


async def long_poll(horn: Horn, cfg: dict) -> dict:
    """`pollers` visitors wait on /pull; staff post to them at each of `poll_rates`; event -> answer latency."""
    rooms = await horn.make_rooms(cfg["pollers"], random.Random(2), members_per_room=(2, 2))
    http = RawHttp("127.0.0.1", horn.port)
    pollers = []
    for room in rooms:
        visitor = room.members[0]
        uid = visitor.body["from"]["id"]
        cursor = await state_version(http, uid, visitor.send_auth)
        pollers.append(Poller(horn, uid, visitor.send_auth["X-Horn-Token"], cursor))
    await http.close()
    tasks = [asyncio.create_task(p.run()) for p in pollers]
    await asyncio.sleep(1)  # every poller is waiting
    by_rate = []
    for rate in cfg["poll_rates"]:
        for p in pollers:
            p.count, p.latencies, p.errors = 0, [], 0
        n = int(rate * cfg["duration"])
        t0 = time.monotonic()
        sends = []
        for i in range(n):
            delay = t0 + i / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            room = rooms[i % len(rooms)]
            sends.append(asyncio.create_task(horn.send(room, room.members[1], None, stamp_text(i))))
        accepted = sum(1 for ok in await asyncio.gather(*sends, return_exceptions=True) if ok is True)
        deadline = time.monotonic() + 10
        while sum(p.count for p in pollers) < n and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        by_rate.append(
            {
                "rate": rate,
                "sent": n,
                "accepted": accepted,
                "delivered_ratio": round(sum(p.count for p in pollers) / n, 5) if n else None,
                "errors": sum(p.errors for p in pollers),
                **percentiles([x for p in pollers for x in p.latencies]),
            }
        )
    for t in tasks:
        t.cancel()
    for p in pollers:
        await p.http.close()
    return {"pollers": len(pollers), "by_rate": by_rate}


# --- growth ---------------------------------------------------------------------------

GROW_SCRIPT = """
import sys, orjson
from django.db import connection, transaction
from django.utils import timezone
from apps.chats.models import Chat, ChatMember, Message, OrgSequence
from apps.core import ids
from apps.visitors.models import Visitor
org_id, staff_id, open_chat, visitor_id = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
ended_chats, open_msgs = int(sys.argv[5]), int(sys.argv[6])
body = orjson.dumps({"text": "history"}).decode()
now = connection.ops.adapt_datetimefield_value(timezone.now())
SQL = (
    "INSERT INTO chats_message (mid, org_id, seq, chat_id, type, sender_id, sender_role, sender_name,"
    " body, visibility, to_staff, client_msg_id, client_msg_hash, created_at)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)


def insert(seq, chat_id, visitor, n):
    rows = []
    for j in range(n):
        seq.seq += 1
        who = (visitor, "user") if j % 2 == 0 else (staff_id, "staff")
        rows.append((ids.new_mid(), org_id, seq.seq, chat_id, "text", *who, "", body, "public", False, None, "", now))
    with connection.cursor() as cur:
        cur.executemany(SQL, rows)


# Ended chats of 10 messages each: the org's stored history.
for start in range(0, ended_chats, 500):
    k = min(500, ended_chats - start)
    with transaction.atomic():
        seq = OrgSequence.objects.select_for_update().get(org_id=org_id)
        vs = [Visitor(vid=ids.new_visitor_id(), org_id=org_id) for _ in range(k)]
        Visitor.objects.bulk_create(vs)
        cs = [Chat(org_id=org_id, creator_id=v.vid, owner_id=staff_id, state=Chat.ENDED) for v in vs]
        Chat.objects.bulk_create(cs)
        ChatMember.objects.bulk_create(
            [ChatMember(chat=c, uid=c.creator_id, role="user", left_at=timezone.now()) for c in cs]
            + [ChatMember(chat=c, uid=staff_id, role="staff", left_at=timezone.now()) for c in cs]
        )
        for c in cs:
            insert(seq, c.pk, c.creator_id, 10)
        seq.save()
# The open chat's own conversation gets longer too.
for start in range(0, open_msgs, 5000):
    with transaction.atomic():
        seq = OrgSequence.objects.select_for_update().get(org_id=org_id)
        insert(seq, open_chat, visitor_id, min(5000, open_msgs - start))
        seq.save()
print(Message.objects.filter(org_id=org_id).count(), Chat.objects.filter(org_id=org_id).count(),
      Message.objects.filter(chat_id=open_chat).count())
"""


def questions() -> int:
    out = subprocess.run(
        ["mariadb", "-h", "127.0.0.1", "-uroot", "-N", "-e", "SHOW GLOBAL STATUS LIKE 'Questions'"],
        capture_output=True,
        text=True,
    ).stdout.split()
    return int(out[-1])


async def timed(http: RawHttp, method: str, path: str, body: bytes, headers: dict, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        status, answer = await http.request(method, path, body, headers)
        assert status == 200, answer
        out.append((time.perf_counter() - t) * 1000)
    return out


async def growth(horn: Horn, cfg: dict) -> dict:
    """state/init, send latency and state/init's SQL statements as history grows 10x and 100x.

    A staff member of their own (in no other chat) and a visitor share one open
    chat whose conversation grows with the org's stored history of ended chats.
    """
    http = RawHttp("127.0.0.1", horn.port)
    v = await horn.visitor(http)
    vauth = {"X-Horn-Token": v["token"]}
    status, body = await http.request("POST", "/api/message", dumps({"type": "request_chat"}), vauth)
    chat_id = json.loads(body)["chat"]["id"]
    staff = horn.growth_staff
    sauth = {"Authorization": f"Token {staff['token']}"}
    join = dumps({"type": "join_chat", "chat": {"id": chat_id}})
    status, body = await http.request("POST", "/api/message", join, sauth)
    assert status == 200, body
    post = dumps({"type": "text", "chat": {"id": chat_id}, "text": "growing"})
    steps, chats_done, msgs_done = [], 0, 0
    for chats, open_msgs in zip(cfg["growth_chats"], cfg["growth_open"], strict=True):
        args = [str(horn.oid), staff["sid"], chat_id, v["uid"], str(chats - chats_done), str(open_msgs - msgs_done)]
        out = horn.manage("shell", "-v0", "-c", f"import sys; sys.argv = ['grow', *{args!r}]\n" + GROW_SCRIPT)
        chats_done, msgs_done = chats, open_msgs
        messages, total_chats, in_chat = map(int, out.split()[-3:])
        staff_init = f"/api/state/init?uid={staff['sid']}"
        visitor_init = f"/api/state/init?uid={v['uid']}"
        await timed(http, "GET", staff_init, b"", sauth, 5)  # warm
        staff_ms = await timed(http, "GET", staff_init, b"", sauth, cfg["growth_samples"])
        visitor_ms = await timed(http, "GET", visitor_init, b"", vauth, cfg["growth_samples"])
        send_ms = await timed(http, "POST", "/api/message", post, sauth, cfg["growth_samples"])
        # Statements per state/init: the smallest difference over a few calls (each process's
        # once-a-second background check may land in some).
        counts = []
        for _ in range(5):
            before = questions()
            await http.request("GET", staff_init, b"", sauth)
            counts.append(questions() - before - 1)  # minus the SHOW itself
        steps.append(
            {
                "messages": messages,
                "chats": total_chats,
                "chat_messages": in_chat,
                "staff_init_p50": percentiles(staff_ms)["p50"],
                "staff_init_p99": percentiles(staff_ms)["p99"],
                "visitor_init_p50": percentiles(visitor_ms)["p50"],
                "state_init_sql": min(counts),
                "send_p50": percentiles(send_ms)["p50"],
            }
        )
        print("  growth", json.dumps(steps[-1]), flush=True)
    await http.close()
    return {"steps": steps}


# --- robustness ----------------------------------------------------------------------------

REDIS_START = [
    "redis-server",
    "--daemonize",
    "yes",
    "--bind",
    "127.0.0.1",
    "-::1",
    "--port",
    "6379",
    "--save",
    "",
    "--appendonly",
    "no",
    "--dir",
    "/var/lib/redis",
    "--logfile",
    "/var/log/redis/ci.log",
]


def restart_redis(down_for: float = 1.0) -> None:
    """Shut the machine's Redis down and start it again as the machine starts it (the tests use this too)."""
    subprocess.run(["redis-cli", "-h", "127.0.0.1", "shutdown", "nosave"], capture_output=True)
    time.sleep(down_for)
    subprocess.run(REDIS_START, capture_output=True, check=True)
    for _ in range(50):
        if (
            subprocess.run(["redis-cli", "-h", "127.0.0.1", "ping"], capture_output=True, text=True).stdout.strip()
            == "PONG"
        ):
            return
        time.sleep(0.1)
    raise RuntimeError("redis did not come back")


async def chat_load(horn: Horn, rooms: list[Room], receivers: dict, rate: int, seconds: float, during=None) -> dict:
    """Open-loop sends at `rate` for `seconds`; `during` runs (in a thread) halfway through."""
    for r in receivers.values():
        r.count, r.latencies = 0, []
    n, expected, sends = int(rate * seconds), 0, []
    t0 = time.monotonic()
    event = None
    for i in range(n):
        if during is not None and event is None and i >= n // 3:
            event = asyncio.create_task(asyncio.to_thread(during))
        delay = t0 + i / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        room = rooms[i % len(rooms)]
        member = room.members[i % len(room.members)]
        sends.append(asyncio.create_task(horn.send(room, member, receivers[member.conn], stamp_text(i))))
        expected += len(room.members)
    accepted = sum(1 for ok in await asyncio.gather(*sends, return_exceptions=True) if ok is True)
    if event is not None:
        await event
    deadline = time.monotonic() + 15
    while sum(r.count for r in receivers.values()) < expected and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    lat = [x for r in receivers.values() for x in r.latencies]
    return {
        "sent": n,
        "accepted": accepted,
        "delivered_ratio": round(sum(r.count for r in receivers.values()) / expected, 5),
        "max_ms": round(max(lat), 1) if lat else None,
        **percentiles(lat),
    }


async def robustness(horn: Horn, cfg: dict) -> dict:
    rooms = await horn.make_rooms(cfg["robust_rooms"], random.Random(4))
    receivers = {m.conn: Receiver(m.url, probe=True) for room in rooms for m in room.members}
    for r in receivers.values():
        await r.open()
    out = {}

    # 1. Redis restarted while messages flow: the hubs fill from the DB until it is back.
    rate, seconds = cfg["robust_rate"], cfg["robust_seconds"]
    out["redis_restart"] = await chat_load(horn, rooms, receivers, rate, seconds, restart_redis)
    print("  redis restart", json.dumps(out["redis_restart"]), flush=True)

    # 2. A client that never reads sits in a busy chat: the others must not notice.
    slow = await open_never_reading(horn, rooms[0].members[0].url)
    out["slow_client"] = await chat_load(horn, rooms, receivers, cfg["robust_rate"], cfg["robust_seconds"] / 2)
    slow.close()
    print("  slow client", json.dumps(out["slow_client"]), flush=True)

    # 3. The server restarts under its connections: every client reconnects at once.
    for r in receivers.values():
        await r.close()
    http = RawHttp("127.0.0.1", horn.port)
    visitors = [await horn.visitor(http) for _ in range(min(50, cfg["storm"]))]
    await http.close()
    urls = [horn.ws_url(v["uid"], v["token"]) for v in visitors]
    storm = [Receiver(urls[i % len(urls)]) for i in range(cfg["storm"])]
    await asyncio.gather(*(r.open() for r in storm), return_exceptions=True)
    horn.stop()
    horn.start(fresh=False)
    t0 = time.monotonic()
    results = await asyncio.gather(*(r.open() for r in storm), return_exceptions=True)
    out["reconnect_storm"] = {
        "clients": len(storm),
        "failed": sum(1 for x in results if isinstance(x, BaseException)),
        "all_back_s": round(time.monotonic() - t0, 2),
    }
    for r in storm:
        await r.close()
    print("  reconnect storm", json.dumps(out["reconnect_storm"]), flush=True)
    return out


async def open_never_reading(horn: Horn, url: str) -> asyncio.StreamWriter:
    """A websocket client that completes the handshake and then never reads a byte."""
    path = url.split(f":{horn.port}", 1)[1]
    reader, writer = await asyncio.open_connection("127.0.0.1", horn.port)
    writer.write(
        (
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    status = await reader.readline()
    assert b" 101 " in status, status
    writer.transport.pause_reading()  # from here on the kernel buffers fill and stay full
    return writer


# --- uploads ------------------------------------------------------------------------------


def bench_jpeg() -> bytes:
    """A photo-like JPEG of about 200 KB (noise over a gradient: it neither compresses away nor is trivial)."""
    size = (740, 540)
    noise = Image.effect_noise(size, 40).convert("RGB")
    picture = Image.blend(noise, Image.linear_gradient("L").resize(size).convert("RGB"), 0.5)
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=90)
    return out.getvalue()


def bench_pdf(size: int = 2 * 1024 * 1024) -> bytes:
    """A 2 MB 'PDF': stored as it is, so only its bytes matter, not its structure."""
    return b"%PDF-1.7\n" + random.Random(5).randbytes(size - 9)


def multipart(name: str, data: bytes, content_type: str) -> tuple[bytes, str]:
    """The body is built once per kind, so the generator spends its CPU on sending, not encoding."""
    boundary = "horn-bench-boundary-7e3f"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n"
    ).encode()
    return head + data + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


async def uploads(horn: Horn, cfg: dict) -> dict:
    """POST /api/files throughput and latency, closed loop: `upload_concurrency` visitors upload in their chats.

    A 200 KB JPEG is decoded and re-encoded (Pillow, on the image pool); a 2 MB PDF is
    sniffed and stored as it is. Visitors upload (the widget's path, with its budget check);
    each has a chat of its own. The files land in the bench's HORN_DATA_DIR.
    """
    http = RawHttp("127.0.0.1", horn.port)
    visitors = []
    for _ in range(cfg["upload_concurrency"]):
        v = await horn.visitor(http)
        auth = {"X-Horn-Token": v["token"]}
        status, body = await http.request("POST", "/api/message", dumps({"type": "request_chat"}), auth)
        assert status == 200, body
        visitors.append((auth, json.loads(body)["chat"]["id"]))
    await http.close()
    out = {}
    limits = httpx.Limits(max_connections=len(visitors), max_keepalive_connections=len(visitors))
    async with httpx.AsyncClient(base_url=horn.base, timeout=60, limits=limits) as client:
        for kind, name, data, content_type in (
            ("jpeg_200k", "photo.jpg", bench_jpeg(), "image/jpeg"),
            ("pdf_2m", "report.pdf", bench_pdf(), "application/pdf"),
        ):
            body, ctype = multipart(name, data, content_type)
            out[kind] = await upload_loop(client, visitors, body, ctype, cfg["upload_seconds"])
            out[kind]["bytes"] = len(data)
            out[kind]["mb_per_s"] = round(out[kind]["per_s"] * len(data) / 1e6, 1)
    return {"concurrency": len(visitors), **out}


async def upload_loop(client, visitors: list[tuple[dict, str]], body: bytes, ctype: str, seconds: float) -> dict:
    """Each visitor uploads `body` again and again for `seconds`; latency of each successful upload."""
    latencies: list[float] = []
    errors = 0
    deadline = time.monotonic() + seconds

    async def worker(auth: dict, chat_id: str) -> None:
        nonlocal errors
        headers = {**auth, "Content-Type": ctype}
        while time.monotonic() < deadline:
            t = time.perf_counter()
            try:
                r = await client.post("/api/files", params={"chat": chat_id}, content=body, headers=headers)
                ok = r.status_code == 200
            except httpx.HTTPError:
                ok = False
            if ok:
                latencies.append((time.perf_counter() - t) * 1000)
            else:
                errors += 1

    t0 = time.monotonic()
    await asyncio.gather(*(worker(auth, chat_id) for auth, chat_id in visitors))
    elapsed = time.monotonic() - t0
    return {
        "uploads": len(latencies),
        "errors": errors,
        "per_s": round(len(latencies) / elapsed, 1),
        **percentiles(latencies),
    }
