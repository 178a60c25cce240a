"""Bans over real HTTP and websockets: staff ban, every visitor call is refused, sockets close, chats end."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import httpx
import pytest
from django.utils import timezone

from apps.chats.models import Chat
from apps.guard import banlist
from apps.guard.models import Ban
from apps.realtime.hub import hub
from tests.helpers import error, join, ok, request_chat, send, snapshot, text, track
from tests.realtime.wsclient import closed_with, events, frames, open_ws, ws_url

PAGE = "https://shop.example/"


def open_ws_from(server: str, who, forwarded_for: str):
    """A websocket through our (trusted) proxy, which says who the client is."""
    from websockets.sync.client import connect

    return connect(ws_url(server, who), additional_headers={"X-Forwarded-For": forwarded_for}, open_timeout=10)


def ban(client, staff, **body) -> httpx.Response:
    return client.post("/api/visitors/ban", json=body, headers=staff.auth)


def unban(client, staff, **body) -> httpx.Response:
    return client.post("/api/visitors/unban", json=body, headers=staff.auth)


def bans(client, staff) -> list[dict]:
    return ok(client.get("/api/visitors/bans", headers=staff.auth))["data"]


def banned(response: httpx.Response) -> None:
    error(response, 403, 2007)


def visitor_calls(client, visitor, chat_id: str) -> dict[str, httpx.Response]:
    """One call of every visitor endpoint."""
    auth = visitor.auth
    return {
        "track": client.post(
            "/api/user/track", json={"cid": visitor.org_id, "uid": visitor.uid, "url": PAGE}, headers=auth
        ),
        "state/init": client.get("/api/state/init", params={"uid": visitor.uid}, headers=auth),
        "message": text(client, visitor, chat_id, "let me in"),
        "ping": client.get("/api/ping", params={"uid": visitor.uid}, headers=auth),
        "history": client.get("/api/chat/history", params={"chat": chat_id}, headers=auth),
        "pull": client.get("/pull", params={"uid": visitor.uid, "version": "0"}, headers=auth),
    }


def test_a_banned_visitor_is_refused_on_every_endpoint(horn, world, chat, server):
    visitor, chat_id = chat
    ok(ban(horn, world.alice, uid=visitor.uid, reason="spam"))
    before = snapshot()
    for name, response in visitor_calls(horn, visitor, chat_id).items():
        assert response.status_code == 403, name
        banned(response)
    assert snapshot() == before
    with open_ws(server, visitor) as ws:
        code, got = closed_with(ws)
    assert code == 4403 and got[0]["code"] == 2007


def test_the_ban_closes_open_sockets_and_ends_the_chat_with_a_reason_staff_see(horn, world, chat, server):
    visitor, chat_id = chat
    with open_ws(server, visitor) as visitor_ws, open_ws(server, world.alice) as alice_ws:
        frames(visitor_ws, quiet=0.3)
        frames(alice_ws, quiet=0.3)
        r = ok(ban(horn, world.alice, uid=visitor.uid, reason="abusive language"))
        code, got = closed_with(visitor_ws)
        assert code == 4403
        assert got[-1]["code"] == 2007 and got[-1]["msg"]
        ended = [e for e in events(frames(alice_ws)) if e["type"] == "end_chat"]
    assert ended[0]["event"] == {"chat": {"id": chat_id}, "reason": "banned: abusive language"}
    assert Chat.objects.get(pk=chat_id).state == Chat.ENDED
    history = ok(horn.get("/api/chat/history", params={"chat": chat_id}, headers=world.alice.auth))["msgs"]
    assert history[-1]["type"] == "end_chat" and history[-1]["event"]["reason"] == "banned: abusive language"
    assert r["ban"]["uid"] == visitor.uid


def test_a_pending_long_poll_is_answered_with_the_ban(horn, world, chat, server):
    visitor, chat_id = chat
    version = ok(horn.get("/api/state/init", params={"uid": visitor.uid}, headers=visitor.auth))["state"]["version"]
    result = {}

    def poll():
        with httpx.Client(base_url=server, timeout=40) as c:
            result["r"] = c.get("/pull", params={"uid": visitor.uid, "version": version, "token": visitor.token})

    t = threading.Thread(target=poll)
    t.start()
    deadline = time.monotonic() + 10
    while hub.connections == 0:  # the long-poll is waiting
        assert time.monotonic() < deadline
        time.sleep(0.02)
    ok(ban(horn, world.alice, uid=visitor.uid))
    t.join(10)
    banned(result["r"])


def test_lifting_the_ban_lets_the_visitor_back(horn, world, chat):
    visitor, chat_id = chat
    ok(ban(horn, world.alice, uid=visitor.uid))
    banned(horn.get("/api/state/init", params={"uid": visitor.uid}, headers=visitor.auth))
    assert ok(unban(horn, world.bob, uid=visitor.uid))["lifted"] == 1
    ok(horn.get("/api/state/init", params={"uid": visitor.uid}, headers=visitor.auth))
    assert bans(horn, world.alice) == []
    row = Ban.objects.get()
    assert row.lifted_by == world.bob.sid and row.lifted_at is not None
    error(unban(horn, world.bob, uid=visitor.uid), 404, 3001)  # nothing left to lift


def test_a_ban_is_lifted_by_its_id_or_its_address(horn, world):
    visitor = track(horn, world.acme.pk)
    by_id = ok(ban(horn, world.alice, uid=visitor.uid))["ban"]["id"]
    ok(ban(horn, world.alice, ip="203.0.113.7"))
    assert len(bans(horn, world.alice)) == 2
    assert ok(unban(horn, world.alice, id=by_id))["lifted"] == 1
    assert ok(unban(horn, world.alice, ip="203.0.113.7"))["lifted"] == 1
    assert bans(horn, world.alice) == []


def test_a_timed_ban_expires(horn, world, monkeypatch):
    visitor = track(horn, world.acme.pk)
    ok(ban(horn, world.alice, uid=visitor.uid, minutes=5))
    banned(horn.get("/api/ping", params={"uid": visitor.uid}, headers=visitor.auth))
    [listed] = bans(horn, world.alice)
    assert listed["until"] - listed["since"] in (299, 300, 301)
    later = time.time() + 5 * 60 + 1
    monkeypatch.setattr(banlist, "now", lambda: later)  # the server runs in this process: its clock moves too
    ok(horn.get("/api/ping", params={"uid": visitor.uid}, headers=visitor.auth))
    assert bans(horn, world.alice) == []


def test_a_ban_that_already_ran_out_refuses_nothing(horn, world):
    visitor = track(horn, world.acme.pk)
    Ban.objects.create(
        org=world.acme, visitor_id=visitor.uid, created_by=world.alice.sid, until=timezone.now() - timedelta(seconds=1)
    )
    ok(horn.get("/api/ping", params={"uid": visitor.uid}, headers=visitor.auth))
    assert bans(horn, world.alice) == []


def test_an_ip_ban_refuses_new_and_known_visitors_from_that_address(horn, world, behind_proxy):
    from_there = {"X-Forwarded-For": "198.51.100.1, 203.0.113.7"}  # the right-most entry is our proxy's peer
    known = track(horn, world.acme.pk)
    ok(ban(horn, world.alice, ip="203.0.113.7", reason="scraper"))
    before = snapshot()
    banned(horn.post("/api/user/track", json={"cid": world.acme.pk, "url": PAGE}, headers=from_there))
    banned(horn.get("/api/ping", params={"uid": known.uid}, headers={**known.auth, **from_there}))
    assert snapshot() == before
    ok(horn.get("/api/ping", params={"uid": known.uid}, headers={**known.auth, "X-Forwarded-For": "203.0.113.8"}))
    # From an address we do not trust, the header is the client's own say: ignored.
    behind_proxy.HORN_TRUSTED_PROXIES = ""
    ok(horn.post("/api/user/track", json={"cid": world.acme.pk, "url": PAGE}, headers=from_there))


def test_a_cidr_ban_covers_the_network_and_closes_its_sockets(horn, world, server, behind_proxy):
    visitor = track(horn, world.acme.pk)
    chat_id = request_chat(horn, visitor)
    with open_ws_from(server, visitor, "203.0.113.200") as ws:
        frames(ws, quiet=0.3)
        ok(ban(horn, world.alice, ip="203.0.113.0/24"))
        code, got = closed_with(ws)
    assert code == 4403 and got[-1]["code"] == 2007
    banned(
        horn.post(
            "/api/user/track", json={"cid": world.acme.pk, "url": PAGE}, headers={"X-Forwarded-For": "203.0.113.1"}
        )
    )
    ok(
        horn.post(
            "/api/user/track", json={"cid": world.acme.pk, "url": PAGE}, headers={"X-Forwarded-For": "203.0.114.1"}
        )
    )
    # An address-only ban names no visitor: their chat stays open for staff to see.
    assert Chat.objects.get(pk=chat_id).state != Chat.ENDED


def test_an_ipv6_network_can_be_banned(horn, world, behind_proxy):
    ok(ban(horn, world.alice, ip="2001:db8:1::/48"))
    page = {"cid": world.acme.pk, "url": PAGE}
    banned(horn.post("/api/user/track", json=page, headers={"X-Forwarded-For": "2001:db8:1:2::5"}))
    ok(horn.post("/api/user/track", json=page, headers={"X-Forwarded-For": "2001:db8:2::5"}))


def test_the_list_says_who_banned_whom_why_and_until_when(horn, world):
    visitor = track(horn, world.acme.pk)
    ok(ban(horn, world.alice, uid=visitor.uid, ip="203.0.113.7", reason="spam", minutes=60))
    [row] = bans(horn, world.bob)
    assert row["uid"] == visitor.uid and row["ip"] == "203.0.113.7/32" and row["reason"] == "spam"
    assert row["by"] == {"id": world.alice.sid, "name": "Alice"}
    assert row["until"] - row["since"] in (3599, 3600, 3601)
    assert set(row) == {"id", "uid", "ip", "reason", "by", "since", "until"}


BAD_BANS = [
    ({"uid": "not-a-visitor-id"}, 400, 1007, "uid"),
    ({"uid": 12345}, 400, 1004, "uid"),
    ({}, 400, 1004, "uid"),
    ({"ip": "203.0.113.300"}, 400, 1004, "ip"),
    ({"ip": "203.0.113.7/24"}, 400, 1004, "ip"),  # host bits set: which did you mean?
    ({"ip": "0.0.0.0/0"}, 400, 1004, "ip"),
    ({"ip": "10.0.0.0/8"}, 400, 1004, "ip"),
    ({"ip": "::/0"}, 400, 1004, "ip"),
    ({"ip": "2001:db8::/32"}, 400, 1004, "ip"),
    ({"ip": "::ffff:203.0.113.7"}, 400, 1004, "ip"),
    ({"ip": "example.com"}, 400, 1004, "ip"),
    ({"ip": "1" * 50}, 400, 1005, "ip"),
    ({"ip": "203.0.113.7", "minutes": 0}, 400, 1004, "minutes"),
    ({"ip": "203.0.113.7", "minutes": -5}, 400, 1004, "minutes"),
    ({"ip": "203.0.113.7", "minutes": 525_601}, 400, 1004, "minutes"),
    ({"ip": "203.0.113.7", "minutes": "10"}, 400, 1004, "minutes"),
    ({"ip": "203.0.113.7", "minutes": 1.5}, 400, 1004, "minutes"),
    ({"ip": "203.0.113.7", "reason": "x" * 201}, 400, 1005, "reason"),
    ({"ip": "203.0.113.7", "reason": 5}, 400, 1004, "reason"),
    ({"ip": "203.0.113.7", "forever": True}, 400, 1003, "forever"),
]


@pytest.mark.parametrize(("body", "status", "code", "field"), BAD_BANS)
def test_a_malformed_ban_is_refused_and_stores_nothing(horn, world, body, status, code, field):
    track(horn, world.acme.pk)
    before = snapshot()
    error(ban(horn, world.alice, **body), status, code, field)
    assert snapshot() == before and Ban.objects.count() == 0


def test_a_ban_of_an_unknown_visitor_is_not_found(horn, world):
    error(ban(horn, world.alice, uid="A" * 23), 404, 3001, "uid")
    assert Ban.objects.count() == 0


def test_only_staff_members_ban(horn, world, bot):
    visitor = track(horn, world.acme.pk)
    error(ban(horn, visitor, uid=visitor.uid), 403, 2004)
    error(ban(horn, bot, uid=visitor.uid), 403, 2004)
    error(horn.post("/api/visitors/ban", json={"uid": visitor.uid}), 401, 2001)
    error(horn.get("/api/visitors/ban"), 405, 1008)
    assert Ban.objects.count() == 0


def test_staff_of_another_organisation_can_neither_ban_nor_lift_nor_list(horn, world, chat):
    visitor, chat_id = chat
    before = snapshot()
    error(ban(horn, world.charlie, uid=visitor.uid, reason="not mine"), 404, 3001, "uid")
    error(ban(horn, world.alice, uid=visitor.uid, cid=world.globex.pk), 404, 3001, "cid")
    assert snapshot() == before and Ban.objects.count() == 0
    ban_id = ok(ban(horn, world.alice, uid=visitor.uid))["ban"]["id"]
    error(unban(horn, world.charlie, id=ban_id), 404, 3001)
    error(unban(horn, world.charlie, uid=visitor.uid), 404, 3001)
    assert bans(horn, world.charlie) == []
    assert len(bans(horn, world.alice)) == 1
    # Globex's visitors are untouched by Acme's bans.
    other = track(horn, world.globex.pk)
    ok(horn.get("/api/ping", params={"uid": other.uid}, headers=other.auth))


def test_a_banned_visitor_cannot_open_a_new_chat(horn, world):
    visitor = track(horn, world.acme.pk)
    ok(ban(horn, world.alice, uid=visitor.uid))
    body = {"type": "request_chat", "from": {"id": visitor.uid, "role": "user"}, "event": {"uids": [visitor.uid]}}
    before = snapshot()
    banned(send(horn, visitor, body))
    assert snapshot() == before


def test_staff_keep_working_in_a_chat_whose_visitor_is_banned_from_another_chat(horn, world):
    first, second = track(horn, world.acme.pk), track(horn, world.acme.pk)
    first_chat, second_chat = request_chat(horn, first), request_chat(horn, second)
    join(horn, world.alice, second_chat)
    ok(ban(horn, world.alice, uid=first.uid, reason="spam"))
    assert Chat.objects.get(pk=first_chat).state == Chat.ENDED
    ok(text(horn, world.alice, second_chat, "still here"))
    ok(text(horn, second, second_chat, "me too"))
