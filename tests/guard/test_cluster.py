"""Across processes: a ban made on one server process reaches sockets and caches on another, and a
client spread over several processes meets one shared rate limit.

Two real uvicorn processes on the suite's MariaDB and Redis (the production
configuration; CI always has it), as in tests/realtime/test_cluster.py.
"""

from __future__ import annotations

import time

import httpx
import pytest
from django.conf import settings
from websockets.sync.client import connect

from tests.helpers import VisitorUser, error, join, ok, request_chat, text, track
from tests.realtime.cluster import Node
from tests.realtime.wsclient import closed_with, events, frames, open_ws, ws_url

pytestmark = pytest.mark.skipif(
    not settings.HORN_REDIS_URL or not settings.HORN_DATABASE_URL.startswith("mysql"),
    reason="several server processes need the production configuration (MariaDB + Redis)",
)


def _cluster(extra_env: dict | None = None):
    started = [Node("a", extra_env).start(), Node("b", extra_env).start()]
    yield started
    for node in started:
        node.stop()


@pytest.fixture
def nodes(horn):
    yield from _cluster()


@pytest.fixture
def proxied_nodes(horn):
    """Both processes behind a proxy on 127.0.0.1 (the test client), whose X-Forwarded-For they believe."""
    yield from _cluster({"HORN_TRUSTED_PROXIES": "127.0.0.1"})


def test_a_ban_made_on_one_process_closes_the_visitors_socket_on_another(horn, world, nodes):
    a, b = nodes
    visitor = track(httpx.Client(base_url=b.url), world.acme.pk)
    with httpx.Client(base_url=b.url, timeout=20) as on_b:
        chat_id = request_chat(on_b, visitor)
        join(on_b, world.alice, chat_id)
        ok(on_b.get("/api/ping", params={"uid": visitor.uid}, headers=visitor.auth))  # B caches "no bans"
    with open_ws(b.url, visitor) as visitor_ws, open_ws(b.url, world.alice) as alice_ws:
        frames(visitor_ws, quiet=0.3)
        frames(alice_ws, quiet=0.3)
        r = httpx.post(
            a.url + "/api/visitors/ban", json={"uid": visitor.uid, "reason": "spam"}, headers=world.alice.auth
        )
        ok(r)
        code, got = closed_with(visitor_ws)
        assert code == 4403 and got[-1]["code"] == 2007
        ended = [e for e in events(frames(alice_ws, quiet=2)) if e["type"] == "end_chat"]
        assert ended and ended[0]["event"]["reason"] == "banned: spam"
    # B's cached list was dropped by the broadcast: refused at once, not after the cache TTL.
    error(httpx.get(b.url + "/api/ping", params={"uid": visitor.uid}, headers=visitor.auth), 403, 2007)
    ok(httpx.post(a.url + "/api/visitors/unban", json={"uid": visitor.uid}, headers=world.alice.auth))
    ok(httpx.get(b.url + "/api/ping", params={"uid": visitor.uid}, headers=visitor.auth))


def test_an_address_ban_closes_sockets_from_it_on_every_process(horn, world, proxied_nodes):
    a, b = proxied_nodes
    from_there = {"X-Forwarded-For": "203.0.113.9"}
    page = {"cid": world.acme.pk, "url": "https://shop.example/"}
    tracked = ok(httpx.post(b.url + "/api/user/track", json=page, headers=from_there))
    visitor = VisitorUser(tracked["uid"], tracked["token"], tracked["track_id"], world.acme.pk)
    with connect(ws_url(b.url, visitor), additional_headers=from_there, open_timeout=10) as ws:
        frames(ws, quiet=0.3)
        ok(httpx.post(a.url + "/api/visitors/ban", json={"ip": "203.0.113.0/24"}, headers=world.alice.auth))
        code, got = closed_with(ws)
    assert code == 4403 and got[-1]["code"] == 2007
    error(httpx.post(b.url + "/api/user/track", json=page, headers=from_there), 403, 2007)


@pytest.fixture
def limited_nodes(horn):
    """Both processes with a small message limit (and the address's budget out of the way)."""
    yield from _cluster({"HORN_RATE_MESSAGE": "10/day", "HORN_RATE_IP": "100000/day"})


def test_a_visitor_spread_over_two_processes_meets_one_shared_limit(horn, world, limited_nodes):
    a, b = limited_nodes
    with httpx.Client(base_url=a.url, timeout=20) as on_a, httpx.Client(base_url=b.url, timeout=20) as on_b:
        visitor = track(on_a, world.acme.pk)
        chat_id = request_chat(on_a, visitor)  # message 1 of 10, on A
        for i in range(9):  # A admits the rest of the budget
            ok(text(on_a, visitor, chat_id, f"on A {i}"))
        error(text(on_a, visitor, chat_id, "over on A"), 429, 6001)
        # B has admitted nothing for this visitor itself; the shared count (added a moment after
        # each request) refuses on B too: at most a request or two while A's hits are on their way.
        accepted_on_b, deadline = 0, time.monotonic() + 10
        while True:
            r = text(on_b, visitor, chat_id, "on B")
            if r.status_code == 429:
                break
            ok(r)
            accepted_on_b += 1
            assert time.monotonic() < deadline, "B never refused"
            time.sleep(0.05)
        assert accepted_on_b < 10  # B alone would have admitted a whole budget
        error(text(on_b, visitor, chat_id, "still over on B"), 429, 6001)
