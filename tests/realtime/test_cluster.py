"""Exactly-once, in-order delivery across two real server processes, reconnects, crashes and outages.

These run Horn as separate uvicorn processes on the suite's MariaDB and Redis,
so they need the production configuration (CI always has it).
"""

from __future__ import annotations

import random
import subprocess
import threading
import time

import httpx
import pytest
from django.conf import settings
from django.db import connection

from apps.chats.models import Message
from bench import horn_scenarios
from tests.helpers import join, ok, request_chat, track
from tests.realtime.cluster import Node
from tests.realtime.receiver import Receiver
from tests.realtime.wsclient import open_ws

pytestmark = pytest.mark.skipif(
    not settings.HORN_REDIS_URL or not settings.HORN_DATABASE_URL.startswith("mysql"),
    reason="several server processes need the production configuration (MariaDB + Redis)",
)

NODE_ENV = {"HORN_PULL_TIMEOUT": "2"}


@pytest.fixture
def nodes(horn):
    started = [Node("a", NODE_ENV).start(), Node("b", NODE_ENV).start()]
    yield started
    for node in started:
        node.stop()


@pytest.fixture
def scene(horn, world):
    """Four visitors with a chat each; Alice is in all four, Bob in the first two."""
    visitors = [track(horn, world.acme.pk) for _ in range(4)]
    chats = [request_chat(horn, v) for v in visitors]
    for chat_id in chats:
        join(horn, world.alice, chat_id)
    for chat_id in chats[:2]:
        join(horn, world.bob, chat_id)
    return visitors, chats


def init(url: str, who) -> dict:
    r = httpx.get(url + "/api/state/init", params={"uid": who.uid}, headers=who.auth, timeout=20)
    return ok(r)["state"]


def full_state(url: str, who) -> dict:
    """state/init with every chat's whole history (older pages from /api/chat/history)."""
    state = init(url, who)
    for chat in state["chats"]:
        more = chat["has_more"]
        while more:
            params = {"chat": chat["id"], "before": chat["msgs"][0]["version"], "limit": 200}
            page = ok(httpx.get(url + "/api/chat/history", params=params, headers=who.auth, timeout=20))
            chat["msgs"][:0], more = page["msgs"], page["has_more"]
    return state


class Sender(threading.Thread):
    """Posts numbered texts to random nodes; remembers what was acknowledged with code 0."""

    def __init__(self, name, nodes, lines, seed):
        super().__init__(name=name, daemon=True)
        self.nodes, self.lines, self.rng = nodes, lines, random.Random(seed)
        self.acked: list[str] = []
        self.refused: list[str] = []

    def run(self):
        for i, (who, chat_id) in enumerate(self.lines):
            alive = [n for n in self.nodes if n.proc.poll() is None]
            body = {
                "type": "text",
                "chat": {"id": chat_id},
                "text": f"{self.name}-{i}",
                "client_msg_id": f"{self.name}-{i}",
            }
            if hasattr(who, "track_id"):
                body["from"] = {"id": who.uid}
            for _attempt in range(5):  # a client retries with the same key until it gets an answer
                try:
                    r = httpx.post(self.rng.choice(alive).url + "/api/message", json=body, headers=who.auth, timeout=10)
                except httpx.HTTPError:
                    alive = [n for n in self.nodes if n.proc.poll() is None]
                    continue
                if r.status_code == 200 and r.json()["code"] == 0:
                    self.acked.append(r.json()["mid"])
                    break
                self.refused.append(f"{r.status_code} {r.text[:200]}")
                time.sleep(0.2)
            time.sleep(self.rng.uniform(0, 0.03))


def lines_for(world, visitors, chats, n, rng):
    members = [(v, c) for v, c in zip(visitors, chats, strict=True)]
    members += [(world.alice, c) for c in chats] + [(world.bob, c) for c in chats[:2]]
    return [rng.choice(members) for _ in range(n)]


def check_receiver(rec: Receiver, final_state: dict, acked: set[str]) -> None:
    assert rec.problems == [], rec.problems
    versions = [int(e["version"]) for e in rec.received]
    assert versions == sorted(set(versions)), f"{rec.name}: duplicates or disorder"
    start = int(rec.start_cursor)
    for chat in final_state["chats"]:
        expected = [m["mid"] for m in chat["msgs"] if int(m["version"]) > start]
        got = [e["mid"] for e in rec.received if e["chat"]["id"] == chat["id"]]
        assert got == expected, f"{rec.name}: chat {chat['id']} differs from state/init"
        missing = acked & {m["mid"] for m in chat["msgs"]} - set(got) - {
            m["mid"] for m in chat["msgs"] if int(m["version"]) <= start
        }
        assert not missing, f"{rec.name}: acknowledged messages never delivered: {missing}"


def run_conversation(world, scene, nodes, n_messages: int, during=None) -> tuple[list[Receiver], list[Sender]]:
    visitors, chats = scene
    rng = random.Random(7)
    people = visitors + [world.alice, world.bob]
    receivers = [
        Receiver(f"r{i}", who, nodes, init(rng.choice(nodes).url, who)["version"], seed=i)
        for i, who in enumerate(people)
    ]
    senders = [
        Sender(f"s{i}", nodes, lines_for(world, visitors, chats, n_messages // 3, rng), seed=100 + i) for i in range(3)
    ]
    for t in receivers + senders:
        t.start()
    if during is not None:
        during()
    for s in senders:
        s.join(120)
    for r in receivers:
        r.stop.set()
    for r in receivers:
        r.join(120)
        assert not r.is_alive(), f"{r.name} did not finish"
    return receivers, senders


def verify(receivers, senders, nodes, scene_people):
    acked = {mid for s in senders for mid in s.acked}
    alive = [n for n in nodes if n.proc.poll() is None]
    for rec in receivers:
        check_receiver(rec, full_state(alive[0].url, rec.who), acked)
    stored = set(Message.objects.filter(type="text").values_list("mid", flat=True))
    assert acked <= stored  # code 0 means stored
    return acked


def test_every_receiver_gets_every_message_once_in_order_across_two_processes(world, scene, nodes):
    receivers, senders = run_conversation(world, scene, nodes, n_messages=150)
    acked = verify(receivers, senders, nodes, None)
    assert len(acked) == 150 and all(not s.refused for s in senders)
    assert all(r.sessions["ws"] >= 2 and r.sessions["pull"] >= 2 for r in receivers)  # it really did hop


def test_a_killed_process_loses_nothing(world, scene, nodes):
    def kill_a_mid_conversation():
        time.sleep(2)
        nodes[0].kill()

    receivers, senders = run_conversation(world, scene, nodes, n_messages=150, during=kill_a_mid_conversation)
    assert nodes[0].proc.poll() is not None
    acked = verify(receivers, senders, nodes, None)
    assert len(acked) == 150  # retries with the same key reached the survivor


def redis_cli(*args: str) -> str:
    return subprocess.run(["redis-cli", "-u", settings.HORN_REDIS_URL, *args], capture_output=True, text=True).stdout


def restart_redis():
    horn_scenarios.restart_redis(down_for=1.5)


def test_a_redis_restart_loses_no_acknowledged_message(world, scene, nodes):
    def restart():
        time.sleep(2)
        restart_redis()

    receivers, senders = run_conversation(world, scene, nodes, n_messages=150, during=restart)
    verify(receivers, senders, nodes, None)
    for s in senders:  # anything refused was refused clearly
        assert all(r.split()[0] in ("503", "500") or '"code":5003' in r for r in s.refused), s.refused


def test_a_redis_flush_loses_no_acknowledged_message(world, scene, nodes):
    def flush():
        time.sleep(2)
        redis_cli("flushdb")

    receivers, senders = run_conversation(world, scene, nodes, n_messages=150, during=flush)
    acked = verify(receivers, senders, nodes, None)
    assert len(acked) == 150


def test_database_connections_dropped_by_the_server_are_replaced(world, scene, nodes):
    visitors, chats = scene
    for node in nodes:  # give every DB thread a connection
        for _ in range(10):
            ok(httpx.get(node.url + "/api/state/init", headers=world.alice.auth, timeout=10))
    with connection.cursor() as cur:
        cur.execute("SELECT CONNECTION_ID()")
        mine = cur.fetchone()[0]
        cur.execute("SELECT id FROM information_schema.processlist WHERE db = DATABASE() AND id <> %s", [mine])
        victims = [row[0] for row in cur.fetchall()]
        for victim in victims:
            cur.execute(f"KILL {int(victim)}")
    assert victims
    for node in nodes:
        for i in range(20):
            body = {"type": "text", "chat": {"id": chats[0]}, "text": f"after kill {node.name} {i}"}
            ok(httpx.post(node.url + "/api/message", json=body, headers=world.alice.auth, timeout=10))
            ok(httpx.get(node.url + "/api/state/init", headers=world.alice.auth, timeout=10))


def test_init_hands_out_live_nodes_and_a_dead_one_drops_out(horn, world):
    env = {**NODE_ENV, "HORN_PUSHER_TTL": "2"}
    a, b = Node("a", env).start(), Node("b", env).start()
    try:
        visitor = track(horn, world.acme.pk)
        addrs = {ok(httpx.get(node.url + "/api/state/init", headers=visitor.auth))["addr"] for node in (a, b)}
        # Live registered nodes only (the suite's own in-process server is one too).
        assert all(redis_cli("exists", f"pusher-alive-{addr}").strip() == "1" for addr in addrs), addrs
        with open_ws(b.url, visitor):
            time.sleep(0.3)
            assert redis_cli("get", f"uid-pusher-addr-{visitor.uid}").strip() == f"127.0.0.1:{b.port}"
        a.kill()
        time.sleep(3)  # past the TTL
        for _ in range(5):  # b, or the suite's own in-process server: never the dead one
            addr = ok(httpx.get(b.url + "/api/state/init", headers=visitor.auth)).get("addr")
            assert addr != f"127.0.0.1:{a.port}" and redis_cli("exists", f"pusher-alive-{addr}").strip() == "1"
        assert f"127.0.0.1:{a.port}" not in redis_cli("zrange", "pushers", "0", "-1")
    finally:
        a.stop()
        b.stop()


def test_a_cursor_too_old_gets_reinit_and_init_has_everything(horn, world):
    node = Node("a", {**NODE_ENV, "HORN_REPLAY_LIMIT": "5"}).start()
    try:
        visitor = track(horn, world.acme.pk)
        chat_id = request_chat(horn, visitor)
        join(horn, world.alice, chat_id)
        start = init(node.url, visitor)["version"]
        mids = [
            ok(
                httpx.post(
                    node.url + "/api/message",
                    json={"type": "text", "chat": {"id": chat_id}, "text": f"m{i}"},
                    headers=world.alice.auth,
                )
            ).get("mid")
            for i in range(8)
        ]
        r = httpx.get(node.url + "/pull", params={"uid": visitor.uid, "version": start}, headers=visitor.auth)
        assert r.status_code == 409 and r.json()["reinit"] is True and r.json()["code"] == 4010
        state = init(node.url, visitor)
        assert [m["mid"] for m in state["chats"][0]["msgs"]][-8:] == mids
        r = httpx.get(
            node.url + "/pull", params={"uid": visitor.uid, "version": state["version"]}, headers=visitor.auth
        )
        assert ok(r)["data"] == []  # after re-init: nothing more is owed
    finally:
        node.stop()
