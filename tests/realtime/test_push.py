"""WS /ws and GET /pull on one server: delivery, resume from a cursor, re-init, refusals."""

import contextlib
import json
import threading
import time

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from apps.chats.models import Message
from tests.conftest import ORIGIN_A, ORIGIN_B
from tests.helpers import error, join, ok, request_chat, send, text, track
from tests.realtime.wsclient import RawWebSocket, closed_with, events, frames, open_ws


def init_version(client, who) -> str:
    r = client.get("/api/state/init", params={"uid": who.uid}, headers=who.auth)
    return ok(r)["state"]["version"]


def test_every_member_gets_each_message_once_with_its_version(horn, world, server, chat):
    visitor, chat_id = chat
    with open_ws(server, visitor, version=init_version(horn, visitor)) as vws, open_ws(server, world.alice) as aws:
        time.sleep(0.2)  # alice connected "from now": let her subscription settle
        sent = [ok(text(horn, visitor, chat_id, f"v{i}"))["mid"] for i in range(3)]
        sent.append(ok(text(horn, world.alice, chat_id, "a0"))["mid"])
        for ws in (vws, aws):
            got = events(frames(ws))
            assert [e["mid"] for e in got] == sent
            versions = [int(e["version"]) for e in got]
            assert versions == sorted(versions) and len(set(versions)) == 4
            assert all(e["t"]["t1"] >= e["t"]["t0"] for e in got)


def test_staff_outside_a_chat_see_the_queue_not_the_contents(horn, world, server):
    with open_ws(server, world.bob) as bws, open_ws(server, world.charlie) as cws:
        time.sleep(0.2)
        visitor = track(horn, world.acme.pk)
        chat_id = request_chat(horn, visitor)
        join(horn, world.alice, chat_id)
        ok(text(horn, visitor, chat_id, "secret"))
        got = events(frames(bws))
        assert [e["type"] for e in got] == ["request_chat", "join_chat"]  # queue changes only
        assert events(frames(cws, quiet=0.3)) == []  # another org hears nothing


def test_a_reconnect_with_the_cursor_gets_exactly_what_was_missed(horn, world, server, chat):
    visitor, chat_id = chat
    version = init_version(horn, visitor)
    with open_ws(server, visitor, version=version) as ws:
        ok(text(horn, world.alice, chat_id, "one"))
        first = events(frames(ws))
    assert [e["text"] for e in first] == ["one"]
    ok(text(horn, world.alice, chat_id, "two"))  # while disconnected
    ok(text(horn, world.alice, chat_id, "three"))
    with open_ws(server, visitor, version=first[-1]["version"]) as ws:
        ok(text(horn, world.alice, chat_id, "four"))
        again = events(frames(ws))
    assert [e["text"] for e in again] == ["two", "three", "four"]


def test_the_sender_gets_its_own_message_too(horn, world, server, chat):
    visitor, chat_id = chat
    with open_ws(server, visitor, version=init_version(horn, visitor)) as tab2:
        mid = ok(text(horn, visitor, chat_id, "from tab 1"))["mid"]
        assert [e["mid"] for e in events(frames(tab2))] == [mid]


def test_clients_send_on_the_websocket(horn, world, server, chat):
    visitor, chat_id = chat
    with open_ws(server, visitor, version=init_version(horn, visitor)) as ws:
        ws.send(json.dumps({"type": "text", "chat": {"id": chat_id}, "text": "over ws", "ref": "r-1"}))
        ws.send(json.dumps({"type": "text", "chat": {"id": chat_id}, "text": "", "ref": "r-2"}))
        ws.send(json.dumps({"type": "ping", "ref": "r-3"}))
        got = frames(ws)
    replies = {f["ref"]: f for f in got if "ref" in f}
    assert replies["r-1"]["code"] == 0 and len(replies["r-1"]["mid"]) == 20
    assert (replies["r-2"]["code"], replies["r-2"]["field"]) == (1004, "text")
    assert (replies["r-3"]["code"], replies["r-3"]["msg"]) == (0, "pong")
    assert [e["text"] for e in events(got)] == ["over ws"]
    assert Message.objects.filter(type="text").count() == 1


def test_long_poll_answers_at_once_when_events_are_due(horn, world, chat):
    visitor, chat_id = chat
    ok(text(horn, world.alice, chat_id, "waiting for you"))
    r = horn.get("/pull", params={"uid": visitor.uid, "version": "0"}, headers=visitor.auth)
    data = ok(r)
    assert [d["type"] for d in data["data"]] == ["request_chat", "join_chat", "text"]
    assert data["version"] == data["data"][-1]["version"]


def test_long_poll_waits_for_the_next_event(horn, world, server, chat, settings):
    visitor, chat_id = chat
    version = init_version(horn, visitor)
    result = {}

    def poll():
        with httpx.Client(base_url=server, timeout=40) as c:
            result["r"] = c.get("/pull", params={"uid": visitor.uid, "version": version, "token": visitor.token})

    t = threading.Thread(target=poll)
    t.start()
    time.sleep(0.5)
    assert "r" not in result  # held
    mid = ok(text(horn, world.alice, chat_id, "there you are"))["mid"]
    t.join(10)
    data = ok(result["r"])
    assert [d["mid"] for d in data["data"]] == [mid]


def test_an_empty_long_poll_keeps_the_cursor(horn, world, chat, settings):
    settings.HORN_PULL_TIMEOUT = 1
    visitor, _ = chat
    version = init_version(horn, visitor)
    data = ok(horn.get("/pull", params={"uid": visitor.uid, "version": version}, headers=visitor.auth))
    assert (data["data"], data["version"]) == ([], version)


def test_a_cursor_that_cannot_be_served_asks_for_reinit(horn, world, server, chat):
    visitor, _ = chat
    body = error(horn.get("/pull", params={"uid": visitor.uid, "version": "999999"}, headers=visitor.auth), 409, 4010)
    assert body["reinit"] is True
    with open_ws(server, visitor, version="999999") as ws:
        code, got = closed_with(ws)
    assert code == 4409 and got[0]["reinit"] is True and got[0]["code"] == 4010


def test_a_cursor_too_far_behind_asks_for_reinit(horn, world, server, chat, settings):
    settings.HORN_REPLAY_LIMIT = 3
    visitor, chat_id = chat
    for i in range(4):
        ok(text(horn, world.alice, chat_id, f"m{i}"))
    error(horn.get("/pull", params={"uid": visitor.uid, "version": "0"}, headers=visitor.auth), 409, 4010)


@pytest.mark.parametrize(
    "params, headers, code",
    [
        ({"token": ""}, None, 4401),
        ({"token": "bogus"}, None, 4401),
        ({"version": "abc"}, None, 4400),
        ({"track_id": "x"}, None, 4400),
        ({}, {"Origin": ORIGIN_B}, 4403),
    ],
)
def test_refused_handshakes_close_with_a_clear_code(horn, world, server, params, headers, code):
    visitor = track(horn, world.acme.pk)
    with open_ws(server, visitor, origin=(headers or {}).get("Origin"), **params) as ws:
        got_code, got = closed_with(ws)
    assert got_code == code and got[0]["code"] != 0


def test_an_allowed_origin_connects(horn, world, server):
    visitor = track(horn, world.acme.pk)
    with open_ws(server, visitor, origin=ORIGIN_A) as ws:
        ws.send(json.dumps({"type": "ping"}))
        assert frames(ws)[0]["msg"] == "pong"


def test_someone_elses_uid_is_refused(horn, world, server):
    visitor, other = track(horn, world.acme.pk), track(horn, world.acme.pk)
    with open_ws(server, other, uid=visitor.uid) as ws:
        assert closed_with(ws)[0] == 4401
    error(horn.get("/pull", params={"uid": visitor.uid}, headers=other.auth), 401, 2002)


def test_frames_over_the_size_limit_close_the_socket(horn, world, server, chat, settings):
    settings.HORN_WS_MAX_FRAME = 2048
    visitor, chat_id = chat
    with open_ws(server, visitor) as ws:
        ws.send(json.dumps({"type": "text", "chat": {"id": chat_id}, "text": "x" * 3000}))
        code, got = closed_with(ws)
    assert code == 4413 and got[-1]["code"] == 1009
    assert not Message.objects.filter(type="text").exists()


def test_a_flood_of_frames_is_rate_limited(horn, world, server, chat, settings):
    settings.HORN_WS_RATE, settings.HORN_WS_BURST = 5, 5
    visitor, _ = chat
    with open_ws(server, visitor) as ws:
        with contextlib.suppress(ConnectionClosed):  # the server may cut us off mid-flood
            for _ in range(20):
                ws.send(json.dumps({"type": "ping"}))
        code, got = closed_with(ws)
    assert code == 4429 and got[-1]["code"] == 4012


def test_a_receiver_that_never_reads_is_cut_without_hurting_others(horn, world, server, chat, settings):
    settings.HORN_PUSH_MAX_QUEUE = 20
    visitor, chat_id = chat
    big = "x" * 9900
    slow = RawWebSocket(server, world.alice)
    with open_ws(server, visitor, version=init_version(horn, visitor)) as fast:
        time.sleep(0.2)
        received = []
        # ~6 MB: more than the kernel buffers (4 MB send buffer here) hold for a reader that never reads
        for i in range(600):
            ok(send(horn, visitor, {"type": "text", "chat": {"id": chat_id}, "text": f"{i} {big}"}))
            if i % 50 == 0:
                received += events(frames(fast, quiet=0.05))
        received += events(frames(fast, quiet=1))
    assert len(received) == 600  # the fast reader got everything, in order
    assert [int(e["text"].split()[0]) for e in received] == list(range(600))
    got, code = slow.drain()
    assert code == 4408 and got[-1]["code"] == 4011
    assert len(got) < 600


def test_staff_are_told_when_a_visitor_comes_online_and_goes_offline(horn, world, server, settings):
    settings.HORN_HEARTBEAT_INTERVAL = 1
    with open_ws(server, world.alice) as aws:
        time.sleep(0.2)
        visitor = track(horn, world.acme.pk)
        got = frames(
            aws,
            quiet=10,
            until=lambda fs: any(
                f.get("type") == "presence" and f["event"]["uid"] == visitor.uid and not f["event"]["online"]
                for f in fs
            ),
        )
    mine = [f["event"]["online"] for f in got if f.get("type") == "presence" and f["event"]["uid"] == visitor.uid]
    assert mine == [True, False]
    rows = ok(horn.get("/api/users/online", headers=world.alice.auth))["data"]
    assert visitor.uid not in [r["uid"] for r in rows]
    assert any(f.get("type") == "visitors_changed" for f in got)


def test_a_long_poll_whose_client_hangs_up_is_let_go(horn, world, chat):
    visitor, _ = chat
    version = init_version(horn, visitor)
    with pytest.raises(httpx.ReadTimeout):
        horn.get("/pull", params={"uid": visitor.uid, "version": version}, headers=visitor.auth, timeout=0.5)

    def connections() -> int:
        stats = horn.get("/monitor/api/ping").json()["stats"]
        return next(s["value"] for s in stats if s["name"] == "connections")

    deadline = time.monotonic() + 5
    while connections() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert connections() == 0  # not held for the 30-second poll timeout


def test_console_staff_connect_with_their_session_from_horns_origin(horn, world, server, chat):
    from tests.accounts.test_staff import login

    visitor, chat_id = chat
    with login(server, world.alice) as client:
        cookie = f"sessionid={client.cookies['sessionid']}"
    url = server.replace("http://", "ws://") + "/ws"
    from websockets.sync.client import connect

    with connect(url, additional_headers={"Cookie": cookie, "Origin": server}) as ws:
        time.sleep(0.2)
        mid = ok(text(horn, visitor, chat_id, "to the console"))["mid"]
        assert [e["mid"] for e in events(frames(ws))] == [mid]
    with connect(url, additional_headers={"Cookie": cookie, "Origin": "https://evil.test"}) as ws:
        assert closed_with(ws)[0] == 4403


def test_websockets_elsewhere_than_ws_are_refused(horn, world, server):
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    with pytest.raises(InvalidStatus) as refused:
        connect(server.replace("http://", "ws://") + "/chat", open_timeout=10)
    assert refused.value.response.status_code == 403
