"""The three systems under test, each started as its own server process(es) on loopback.

Every system offers the same shape to the scenarios: rooms ("chats") with
member connections, a way for a member to send into its room, and a ping URL.
Horn sends through its real API (POST /api/message); the limit server and
the naive peer, which have no HTTP send path, send on the member's websocket.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import httpx

from .loadgen import RawHttp, Receiver, dumps

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
# A shared machine runs several benchmarks: each may name its own database, Redis db and data directory.
BENCH_DB = os.environ.get("BENCH_DB", "horn_bench")
HTTP_POOL = 64  # concurrent POSTs in flight at most (open loop: sends queue here if Horn falls behind)
HORN_REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
BENCH_DATA = Path(os.environ.get("BENCH_DATA_DIR", Path(tempfile.gettempdir()) / "horn-bench-data"))
NAIVE_REDIS = "redis://127.0.0.1:6379/12"


def rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [int(p) for p in out]


def _cmdline(pid: int) -> bytes:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read()
    except OSError:
        return b""


@dataclass
class Member:
    url: str  # websocket URL of this member's connection
    send_auth: dict = field(default_factory=dict)  # Horn: headers for POST /api/message
    body: dict = field(default_factory=dict)  # Horn: the member-specific part of the message body
    conn: str = ""  # members with the same `conn` share one connection (a Horn user's tab sees all its chats)

    def __post_init__(self):
        self.conn = self.conn or f"m{id(self)}"


@dataclass
class Room:
    id: str
    members: list[Member]


class System:
    name = ""
    port = 0

    def __init__(self, port: int):
        self.port = port
        self.proc: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def server_pids(self) -> list[int]:
        """The process(es) holding connections (the workers, not a supervisor)."""
        kids = [p for p in children(self.proc.pid) if b"resource_tracker" not in _cmdline(p)]
        return kids or [self.proc.pid]

    def _spawn(self, cmd: list[str], env: dict | None = None) -> None:
        self.log = open(f"/tmp/bench-{self.name}.log", "a")  # noqa: SIM115
        self.proc = subprocess.Popen(
            cmd, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 60
        while True:
            assert self.proc.poll() is None, f"{self.name} exited; see {self.log.name}"
            try:
                if httpx.get(self.base + self.ping_path, timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, f"{self.name} did not start"
            time.sleep(0.2)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        if not self.log.closed:
            self.log.close()

    # --- the room shape, overridden by Horn ---
    async def make_rooms(self, n: int, rng: random.Random, members_per_room=(2, 4)) -> list[Room]:
        rooms = []
        for i in range(n):
            size = rng.randint(*members_per_room)
            url = self.base.replace("http", "ws") + f"/ws?room=r{i}"
            rooms.append(Room(f"r{i}", [Member(url) for _ in range(size)]))
        return rooms

    async def make_fanout_room(self, receivers: int) -> Room:
        url = self.base.replace("http", "ws") + "/ws?room=fan"
        return Room("fan", [Member(url) for _ in range(receivers + 1)])

    async def send(self, room: Room, member: Member, receiver: Receiver, text: str) -> bool:
        """Send one text into the room as this member (on its own websocket)."""
        await receiver.ws.send(text)
        return True

    async def close(self) -> None:
        pass


class Limit(System):
    name, ping_path = "limit", "/ping"

    def start(self) -> None:
        self._spawn([PY, "-m", "bench.limit_server", str(self.port)])


class Naive(System):
    name, ping_path = "naive", "/ping"

    def start(self) -> None:
        subprocess.run(["redis-cli", "-u", NAIVE_REDIS, "flushdb"], capture_output=True)
        env = {"DJANGO_SETTINGS_MODULE": "bench.naive.settings", "NAIVE_REDIS_URL": NAIVE_REDIS}
        self._spawn([PY, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port), "bench.naive.asgi:application"], env)


class Horn(System):
    """Horn on its production configuration: MariaDB + Redis, `python -m horn.serve`, one worker per core."""

    name, ping_path = "horn", "/monitor/api/ping"

    def __init__(
        self,
        port: int,
        workers: int = 2,
        extra_env: dict | None = None,
        grpc_port: int = 0,
        db: str = BENCH_DB,
        redis: str = HORN_REDIS,
    ):
        """`db`, `redis`: a database name and Redis URL of its own, for a scenario run beside the main bench."""
        super().__init__(port)
        self.workers = workers
        self.grpc_port = grpc_port  # also serve the Support gRPC service (horn.serve --grpc-port)
        self.db, self.redis = db, redis
        self.data = BENCH_DATA if db == BENCH_DB else BENCH_DATA.with_name(f"horn-bench-data-{db}")
        self.env = {
            "HORN_DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", f"mysql://root@127.0.0.1:3306/{db}"),
            "HORN_REDIS_URL": redis,
            "HORN_SECRET_KEY": "bench-only-secret",
            "HORN_DEBUG": "0",
            "HORN_PUBLIC_URL": self.base,
            "HORN_PUSH_ADDR": f"127.0.0.1:{port}",
            # The generator opens many sockets per user; these limits are for real clients.
            "HORN_WS_RATE": "100000",
            "HORN_WS_BURST": "100000",
            "HORN_PUSH_MAX_QUEUE": "100000",
            "HORN_VISITOR_UPLOAD_BUDGET": str(10**12),  # checked on every upload, never reached
            "HORN_DATA_DIR": str(self.data),  # uploaded files, emptied with the database
            # The generator is one address and a handful of staff tokens acting for hundreds of
            # people: real limits would refuse it. Scenarios measure Horn without them; the
            # "ratelimit" scenario measures what checking them costs (RATE_LIMITS_ON).
            "HORN_RATE_LIMITS": "0",
            # Background loops that poll the database would blur the growth scenario's statement counts
            # (and the chat figures); the integrations scenario turns them on where they are measured.
            "HORN_EVENT_STREAM": "0",
            "HORN_WEBHOOKS": "0",
            "HORN_REPORT_FOLD_INTERVAL": "0",  # the reports scenario folds its history when it has loaded it
            # Retention runs only when a scenario starts it (the schedule would start one a minute in).
            "HORN_RETENTION_INTERVAL": "0",
            **(extra_env or {}),
        }

    def manage(self, *args: str) -> str:
        out = subprocess.run(
            [PY, "manage.py", *args], cwd=ROOT, env={**os.environ, **self.env}, capture_output=True, text=True
        )
        assert out.returncode == 0, out.stderr
        return out.stdout

    def start(self, fresh: bool = True) -> None:
        """A clean database and Redis, then the server; `fresh=False` only restarts the server."""
        if fresh:
            self.reset()
        cmd = [PY, "-m", "horn.serve", "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(self.workers)]
        self._spawn([*cmd, "--grpc-port", str(self.grpc_port)], self.env)

    def reset(self) -> None:
        subprocess.run(
            [
                "mariadb",
                "-h",
                "127.0.0.1",
                "-uroot",
                "-e",
                f"DROP DATABASE IF EXISTS {self.db}; CREATE DATABASE {self.db} CHARACTER SET utf8mb4",
            ],
            check=True,
        )
        subprocess.run(["redis-cli", "-u", self.redis, "flushdb"], capture_output=True)
        shutil.rmtree(self.data / "files", ignore_errors=True)
        self.manage("migrate", "--noinput", "-v0")
        demo = json.loads(self.manage("horn_demo", "--json", "--org", "Bench"))
        extra = json.loads(self.manage("shell", "-v0", "-c", STAFF_SCRIPT).strip().splitlines()[-1])
        self.oid = demo["oid"]
        self.growth_staff = extra.pop()  # in no chat but the growth scenario's
        self.staff = [{"sid": s["sid"], "token": s["token"]} for s in demo["staff"]] + extra

    def ws_url(self, uid: str, token: str) -> str:
        return self.base.replace("http", "ws") + "/ws?" + urlencode({"uid": uid, "token": token})

    async def visitor(self, http: RawHttp) -> dict:
        status, body = await http.request(
            "POST", "/api/user/track", dumps({"cid": self.oid, "url": "https://bench.test/"})
        )
        assert status == 200, body
        return json.loads(body)

    async def make_rooms(self, n: int, rng: random.Random, members_per_room=(2, 4)) -> list[Room]:
        http = RawHttp("127.0.0.1", self.port)
        rooms = []
        for _ in range(n):
            v = await self.visitor(http)
            vauth = {"X-Horn-Token": v["token"]}
            status, body = await http.request("POST", "/api/message", dumps({"type": "request_chat"}), vauth)
            chat_id = json.loads(body)["chat"]["id"]
            members = [Member(self.ws_url(v["uid"], v["token"]), vauth, {"from": {"id": v["uid"]}}, v["uid"])]
            for s in rng.sample(self.staff, rng.randint(members_per_room[0] - 1, members_per_room[1] - 1)):
                sauth = {"Authorization": f"Token {s['token']}"}
                status, body = await http.request(
                    "POST", "/api/message", dumps({"type": "join_chat", "chat": {"id": chat_id}}), sauth
                )
                assert status == 200, body
                # A staff member has one console connection, which receives all of their chats.
                members.append(Member(self.ws_url(s["sid"], s["token"]), sauth, {}, s["sid"]))
            rooms.append(Room(chat_id, members))
        await http.close()
        return rooms

    async def make_fanout_room(self, receivers: int) -> Room:
        """One chat; its staff member has `receivers` open tabs (connections)."""
        rooms = await self.make_rooms(1, random.Random(0), members_per_room=(2, 2))
        room = rooms[0]
        staff_member = room.members[1]
        return Room(
            room.id, [room.members[0]] + [Member(staff_member.url, staff_member.send_auth) for _ in range(receivers)]
        )

    async def send(self, room: Room, member: Member, receiver: Receiver, text: str) -> bool:
        """POST /api/message as this member, over a pool of keep-alive connections."""
        if not hasattr(self, "pool"):
            self.pool = asyncio.Queue()
            for _ in range(HTTP_POOL):
                self.pool.put_nowait(RawHttp("127.0.0.1", self.port))
        http = await self.pool.get()
        try:
            body = dumps({"type": "text", "chat": {"id": room.id}, "text": text, **member.body})
            status, _ = await http.request("POST", "/api/message", body, member.send_auth)
            return status == 200
        except OSError:
            http.writer = None
            return False
        finally:
            self.pool.put_nowait(http)

    async def close(self) -> None:
        while hasattr(self, "pool") and not self.pool.empty():
            await self.pool.get_nowait().close()


# Limits on, with the same items per request as the defaults (visitor messages: two
# windows + the address's one; staff: one), at amounts the generator never reaches:
# the scenario prices the checks (and the shared counters' pipelines), not refusals.
RATE_LIMITS_ON = {
    "HORN_RATE_LIMITS": "1",
    "HORN_RATE_MESSAGE": "100000/10second;10000000/hour",
    "HORN_RATE_REQUEST_CHAT": "100000/minute",
    "HORN_RATE_TRACK": "100000/minute",
    "HORN_RATE_IP": "100000000/minute",
    "HORN_RATE_STAFF": "1000000/second",
    "HORN_RATE_BOT": "1000000/second",
}


STAFF_SCRIPT = """
import json
from apps.accounts.actions import create_staff
from apps.accounts.models import Organisation
org = Organisation.objects.get(name="Bench")
out = []
for i in range(5):
    s = create_staff(org=org, username=f"bench-{i}", password="bench-password-1", name=f"Bench {i}")
    out.append({"sid": s.sid, "token": s.user.auth_token.key})
print(json.dumps(out))
"""


async def gather_limited(coros, limit: int):
    sem = asyncio.Semaphore(limit)

    async def run(c):
        async with sem:
            return await c

    return await asyncio.gather(*(run(c) for c in coros), return_exceptions=True)
