"""Routing: staff availability, per-agent capacity and automatic assignment (issue 5)."""

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from apps.accounts import orgs
from apps.accounts.models import Organisation, Staff
from apps.chats.models import Chat
from tests.helpers import error, ok, request_chat, send, track
from tests.realtime.wsclient import events, frames, open_ws


def online(client, *staff):
    for s in staff:
        ok(client.get("/api/ping", headers=s.auth))


def status(client, who, value):
    return client.post("/api/staff/status", json={"status": value}, headers=who.auth)


def capacity(**max_chats):
    for sid, n in max_chats.items():
        Staff.objects.filter(sid=sid).update(max_chats=n)


@pytest.fixture
def auto(world):
    Organisation.objects.filter(pk=world.acme.pk).update(auto_assign=True)
    orgs.forget_all()


def owner(chat_id):
    return Chat.objects.values_list("owner_id", "state").get(pk=chat_id)


def test_a_new_chat_goes_to_the_available_staff_member_with_most_free_capacity(horn, world, auto):
    capacity(**{world.alice.sid: 1, world.bob.sid: 2})
    online(horn, world.alice, world.bob)
    first = request_chat(horn, track(horn, world.acme.pk))
    assert owner(first) == (world.bob.sid, "active")  # 2 free against 1
    chats = [request_chat(horn, track(horn, world.acme.pk)) for _ in range(3)]
    owners = Counter(owner(c)[0] for c in [first, *chats])
    assert owners == {world.bob.sid: 2, world.alice.sid: 1, None: 1}  # the fourth waits: everyone is full
    queue = ok(horn.get("/api/state/init", headers=world.bob.auth))["state"]["queue"]
    assert [q["id"] for q in queue] == [c for c in chats if owner(c)[0] is None]
    # The assignee has the chat in their state, as if they had joined it.
    mine = ok(horn.get("/api/state/init", headers=world.bob.auth))["state"]["chats"]
    assert first in [c["id"] for c in mine]
    assert [m["type"] for m in next(c for c in mine if c["id"] == first)["msgs"]] == ["request_chat", "join_chat"]


def test_away_offline_and_disconnected_staff_get_no_chats(horn, world, auto):
    online(horn, world.alice, world.bob)
    ok(status(horn, world.alice, "away"))
    ok(status(horn, world.bob, "offline"))
    chat_id = request_chat(horn, track(horn, world.acme.pk))
    assert owner(chat_id) == (None, "requested")
    ok(status(horn, world.alice, "online"))
    assert owner(chat_id) == (world.alice.sid, "active")  # the waiting chat comes to her at once
    assert owner(request_chat(horn, track(horn, world.acme.pk)))[0] == world.alice.sid
    # Charlie (another org) is online and free, and never gets Acme's chats.
    online(horn, world.charlie)
    ok(status(horn, world.alice, "away"))
    assert owner(request_chat(horn, track(horn, world.acme.pk))) == (None, "requested")


def test_without_auto_assignment_chats_wait_for_a_claim(horn, world):
    online(horn, world.alice)
    assert owner(request_chat(horn, track(horn, world.acme.pk))) == (None, "requested")


def test_freed_capacity_takes_the_chat_waiting_longest(horn, world, auto, server):
    capacity(**{world.alice.sid: 1})
    online(horn, world.alice)
    first = request_chat(horn, track(horn, world.acme.pk))
    second_visitor = track(horn, world.acme.pk)
    second = request_chat(horn, second_visitor)
    third = request_chat(horn, track(horn, world.acme.pk))
    assert [owner(c)[0] for c in (first, second, third)] == [world.alice.sid, None, None]
    with open_ws(server, second_visitor) as v_ws, open_ws(server, world.alice) as a_ws:
        ok(send(horn, world.alice, {"type": "end_chat", "chat": {"id": first}}))
        assert [(e["type"], e["chat"]["id"]) for e in events(frames(a_ws))] == [
            ("end_chat", first),
            ("join_chat", second),  # assigned to her, the one waiting longest, not the newest
        ]
        got = events(frames(v_ws))
        assert [(e["type"], e["from"]["id"], e["event"].get("assigned")) for e in got] == [
            ("join_chat", world.alice.sid, True)
        ]
    assert [owner(c)[0] for c in (second, third)] == [world.alice.sid, None]
    # Leaving frees her too, and so does agent_done.
    ok(send(horn, world.alice, {"type": "agent_done", "chat": {"id": second}}))
    assert owner(third) == (world.alice.sid, "active")


def test_a_waiting_chat_goes_to_an_agent_who_comes_online(horn, world, auto):
    waiting = request_chat(horn, track(horn, world.acme.pk))
    assert owner(waiting) == (None, "requested")
    online(horn, world.bob)  # his first ping
    assert owner(waiting) == (world.bob.sid, "active")


def test_assignment_under_load_never_exceeds_capacity(horn, world, auto, server):
    capacity(**{world.alice.sid: 2, world.bob.sid: 1})
    online(horn, world.alice, world.bob)
    visitors = [track(horn, world.acme.pk) for _ in range(10)]

    def ask(visitor):
        with httpx.Client(base_url=server, timeout=30) as c:
            return request_chat(c, visitor)

    with ThreadPoolExecutor(10) as pool:
        chats = list(pool.map(ask, visitors))
    owners = Counter(owner(c)[0] for c in chats)
    assert owners == {world.alice.sid: 2, world.bob.sid: 1, None: 7}


def test_status_is_checked(horn, world):
    visitor = track(horn, world.acme.pk)
    error(status(horn, world.alice, "busy"), 400, 1004, "status")
    error(horn.post("/api/staff/status", json={}, headers=world.alice.auth), 400, 1002, "status")
    error(status(horn, visitor, "online"), 403, 2004)
    error(horn.get("/api/staff/status", headers=world.alice.auth), 405, 1008)
    ok(status(horn, world.alice, "away"))
    assert ok(horn.get("/api/staff/info", headers=world.alice.auth))["staff"]["status"] == "away"


def positions_seen(ws):
    from tests.realtime.wsclient import frames

    return [f["event"]["position"] for f in frames(ws) if f.get("type") == "queue_number"]


def test_waiting_visitors_are_told_their_place_whenever_it_changes(horn, world, server):
    from tests.realtime.wsclient import open_ws

    online(horn, world.alice)  # someone takes chats: the platform is open, visitors queue
    first, second, third = (track(horn, world.acme.pk) for _ in range(3))
    request_chat(horn, first)
    with open_ws(server, first) as ws1, open_ws(server, second) as ws2, open_ws(server, third) as ws3:
        request_chat(horn, second)
        request_chat(horn, third)
        assert positions_seen(ws1) == []  # still next: the newcomers behind change nothing for them
        assert positions_seen(ws2) == [2]  # on entering the queue
        assert positions_seen(ws3) == [3]
        ok(send(horn, world.alice, {"type": "join_chat", "event": {}}))  # takes the first
        assert positions_seen(ws2) == [1] and positions_seen(ws3) == [2]
        assert positions_seen(ws1) == []  # no longer waiting
    state = ok(horn.get("/api/state/init", params={"uid": third.uid}, headers=third.auth))["state"]
    assert state["chats"][0]["queue_number"] == 2
    mine = ok(horn.get("/api/state/init", params={"uid": first.uid}, headers=first.auth))["state"]
    assert "queue_number" not in mine["chats"][0]
