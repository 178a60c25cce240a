"""The bot protocol on /bot (seed 001 semantics): hello first, one reply per request, tags, metadata, availability."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from apps.accounts.models import Bot
from apps.chats.models import Chat, ChatMember
from tests.helpers import ok, request_chat, send, text, track
from tests.realtime.wsclient import events, frames, open_ws

ROOT = Path(__file__).resolve().parents[2]


def bot_url(server: str, key: str) -> str:
    return server.replace("http://", "ws://") + f"/bot?apiKey={key}"


def recv(ws, timeout: float = 10) -> dict:
    return json.loads(ws.recv(timeout=timeout))


def hello(server: str, key: str, backend_id: str = "b-1", **extra):
    ws = connect(bot_url(server, key), open_timeout=10)
    ws.send(json.dumps({"type": "hello", "backend_id": backend_id, **extra}))
    return ws, recv(ws)


def closed(ws) -> tuple[int, list[dict]]:
    got = []
    try:
        while True:
            got.append(recv(ws))
    except ConnectionClosed:
        return ws.close_code, got


def reply(ws, request_id, seen: list | None = None) -> dict:
    """The reply to one request; events pushed meanwhile go to `seen`."""
    while True:
        frame = recv(ws)
        if frame.get("id") == request_id and frame.get("type") in ("success", "failed"):
            return frame
        if seen is not None:
            seen.append(frame)


def test_hello_then_every_request_gets_exactly_one_reply(horn, world, server, bot):
    visitor = track(horn, world.acme.pk)
    chat_id = request_chat(horn, visitor)
    ws, welcome = hello(server, bot.token, "faq-1", tags={"tenant": "acme"})
    with ws:
        assert welcome == {"type": "welcome", "backend_id": "faq-1", "org": world.acme.pk,
                           "bot": {"id": bot.uid, "name": "Helper"}}  # fmt: skip
        ws.send(json.dumps({"type": "send", "id": "j1", "message": {"type": "join_chat", "chat": {"id": chat_id}}}))
        assert reply(ws, "j1")["type"] == "success"
        message = {"type": "text", "chat": {"id": chat_id}, "text": "Hi, I am the shop's bot."}
        ws.send(json.dumps({"type": "send", "id": 7, "message": message, "tags": {"intent": "greet"}}))
        seen = []
        done = reply(ws, 7, seen)
        assert done["type"] == "success" and done["mid"] and done["tags"] == {"intent": "greet"}
        # The event the request caused reaches the bot with the request's tags (and hello's).
        ok(text(horn, visitor, chat_id, "Hello bot"))
        pushed = [f for f in seen + frames(ws) if f.get("type") == "text"]
        assert [(f["text"], f.get("tags")) for f in pushed] == [
            ("Hi, I am the shop's bot.", {"tenant": "acme", "intent": "greet"}),
            ("Hello bot", {"tenant": "acme"}),
        ]
        ws.send(json.dumps({"type": "metadata", "id": "m1", "chat": chat_id}))
        meta = reply(ws, "m1")["metadata"]
        assert meta["chat"]["id"] == chat_id and meta["chat"]["state"] == "active"
        assert {m["id"] for m in meta["chat"]["members"]} == {visitor.uid, bot.uid}
        assert meta["visitor"]["uid"] == visitor.uid and meta["visitor"]["pages"][0]["url"].startswith("https://")
        for bad, why in [
            ({"type": "send", "message": message}, "id"),  # no id
            ({"type": "teleport", "id": "x1"}, "type"),
            ({"type": "hello", "id": "x2", "backend_id": "again"}, "type"),
            ({"type": "send", "id": "x3"}, "message"),
            ({"type": "send", "id": "x4", "message": {"type": "text", "chat": {"id": chat_id}}}, "text"),
            ({"type": "application_heartbeat", "id": "x5", "available": "yes"}, "available"),
            ({"type": "send", "id": "x6", "message": message, "tags": ["not", "a", "map"]}, "tags"),
        ]:
            ws.send(json.dumps(bad))
            answer = reply(ws, bad.get("id"))
            assert answer["type"] == "failed" and answer["reason"] and answer["field"] == why, answer
        ws.send("not json")
        assert reply(ws, None)["code"] == 1001
    assert ChatMember.objects.filter(chat_id=chat_id, uid=bot.uid).exists()


def test_a_bot_sees_nothing_of_another_org(horn, world, server, bot):
    stranger = track(horn, world.globex.pk)
    theirs = request_chat(horn, stranger)
    ws, _ = hello(server, bot.token)
    with ws:
        ws.send(json.dumps({"type": "metadata", "id": "m", "chat": theirs}))
        assert reply(ws, "m")["code"] == 3001  # as for a chat that does not exist
        ws.send(json.dumps({"type": "metadata", "id": "n", "chat": "nope"}))
        assert reply(ws, "n")["code"] == 3001
        ws.send(json.dumps({"type": "send", "id": "s", "message": {"type": "join_chat", "chat": {"id": theirs}}}))
        assert reply(ws, "s")["type"] == "failed"
    assert not ChatMember.objects.filter(chat_id=theirs, uid=bot.uid).exists()


@pytest.mark.parametrize(
    ("first", "field"),
    [
        ({"type": "send", "id": "1", "message": {}}, "type"),  # a request before hello
        ({"type": "hello"}, "backend_id"),  # hello without id
        ({"type": "hello", "backend_id": ""}, "backend_id"),
        ({"type": "hello", "backend_id": "x" * 65}, "backend_id"),
        ({"type": "hello", "backend_id": "ok", "tags": "no"}, "tags"),
    ],
)
def test_a_bad_opening_is_refused_with_a_reason_and_closed(horn, world, server, bot, first, field):
    ws = connect(bot_url(server, bot.token), open_timeout=10)
    ws.send(json.dumps(first))
    code, got = closed(ws)
    assert code == 4400 and got[-1]["type"] == "failed" and got[-1]["field"] == field


def test_a_wrong_key_and_a_duplicate_backend_are_refused(horn, world, server, bot):
    ws = connect(bot_url(server, "not-a-key"), open_timeout=10)
    code, got = closed(ws)
    assert code == 4401 and got[0]["code"] == 2002
    first, _ = hello(server, bot.token, "same")
    with first:
        second, refused = hello(server, bot.token, "same")
        assert refused["type"] == "failed" and "already connected" in refused["reason"]
        assert closed(second)[0] == 4409
        other, welcome = hello(server, bot.token, "different")  # another backend id is fine
        other.close()
        assert welcome["type"] == "welcome"
    # Free once the server has seen the first one leave (its close is handled a moment after ours).
    deadline = time.monotonic() + 10
    while True:
        again, welcome = hello(server, bot.token, "same")
        again.close()
        if welcome["type"] == "welcome" or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert welcome["type"] == "welcome"


def test_a_huge_frame_closes_the_socket(horn, world, server, bot, settings):
    ws, _ = hello(server, bot.token)
    ws.send("x" * (1024 * 1024))
    code, got = closed(ws)
    assert code in (4413, 1009)


def test_a_revoked_key_closes_the_connection_at_once(horn, world, server, bot):
    ws, _ = hello(server, bot.token)
    row = Bot.objects.get(pk=bot.uid)
    row.is_active = False
    row.save()
    code, got = closed(ws)
    assert code == 4401 and got[-1]["code"] == 2002 and "revoked" in got[-1]["msg"]
    code, _ = closed(connect(bot_url(server, bot.token), open_timeout=10))
    assert code == 4401


def test_an_available_bot_keeps_the_platform_open(horn, world, server, bot):
    nobody = ok(send(horn, track(horn, world.acme.pk), {"type": "request_chat", "event": {}}))
    assert nobody["available"] == {"open": False, "reason": "nobody_available"}
    ws, _ = hello(server, bot.token)
    with ws:
        ws.send(json.dumps({"type": "application_heartbeat", "id": "h", "available": True}))
        assert reply(ws, "h") == {"type": "success", "id": "h", "available": True}
        from apps.chats import availability

        availability.forget()
        visitor = track(horn, world.acme.pk)
        opened = ok(send(horn, visitor, {"type": "request_chat", "event": {}}))
        assert opened["available"] == {"open": True}
    # Gone: the claim goes with the connection.
    availability.forget()
    later = ok(send(horn, track(horn, world.acme.pk), {"type": "request_chat", "event": {}}))
    assert later["available"]["open"] is False


def run_bot(server: str, key: str, *args: str) -> subprocess.Popen:
    cmd = [sys.executable, "examples/bot.py", "--server", server.replace("http://", "ws://"), "--key", key, *args]
    return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def connected(proc: subprocess.Popen) -> dict:
    """The bot's first line: it has said hello and been welcomed (so it hears what happens from now)."""
    seen = []
    while not (line := proc.stdout.readline()).startswith("{"):
        assert line, f"the bot stopped before connecting: {''.join(seen)}"
        seen.append(line)  # a warning on stderr, say
    first = json.loads(line)
    assert first["step"] == "connected", first
    return first


def finished(proc: subprocess.Popen, *before: dict) -> list[dict]:
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out
    return [*before, *(json.loads(line) for line in out.splitlines() if line.startswith("{"))]


def test_a_bot_process_asks_if_the_customer_is_still_there(horn, world, server, bot):
    """Seed 003: the bot identifies the customer, queues the chat, checks they are there, hands over again."""
    earlier = request_chat(horn, track(horn, world.acme.pk))  # somebody already waits
    visitor = track(horn, world.acme.pk)
    chat_id = request_chat(horn, visitor)
    with open_ws(server, visitor) as v_ws:
        proc = run_bot(server, bot.token, "--backend-id", "still-1", "still-there", "--chat", chat_id)
        asked = frames(v_ws, quiet=20, until=lambda got: any(f.get("text") == "Are you still there?" for f in got))
        assert any(f.get("text") == "Are you still there?" for f in asked)
        ok(text(horn, visitor, chat_id, "Yes!"))
        steps = finished(proc)
    assert [s["step"] for s in steps] == ["connected", "handed over", "customer answered", "handed over again"]
    assert steps[2]["text"] == "Yes!"
    # The agent gets it as if it were first in line.
    queue = ok(horn.get("/api/state/init", headers=world.alice.auth))["state"]["queue"]
    assert [q["id"] for q in queue] == [chat_id, earlier]
    assert ok(send(horn, world.alice, {"type": "join_chat", "event": {}}))["chat"]["id"] == chat_id


def test_a_bot_process_ends_a_session_for_the_agent(horn, world, server, bot, chat):
    """Seed 003: the agent hands the chat to the bot; on another question it comes back to her, else it ends."""
    visitor, chat_id = chat
    ok(text(horn, visitor, chat_id, "Help with my invoice please"))
    proc = run_bot(server, bot.token, "--backend-id", "closer-1", "closer")
    hello_line = connected(proc)
    with open_ws(server, visitor) as v_ws, open_ws(server, world.alice) as a_ws:
        ok(send(horn, world.alice, {"type": "transfer", "chat": {"id": chat_id}, "event": {"to": {"bot": bot.uid}}}))
        frames(v_ws, quiet=20, until=lambda got: any(f.get("text") == "Anything else I can help with?" for f in got))
        ok(text(horn, visitor, chat_id, "Yes, why is the amount different?"))
        steps = finished(proc, hello_line)
        back = [e for e in events(frames(a_ws)) if e["type"] == "handover_to_agent"]
    assert [s["step"] for s in steps] == ["connected", "got chat", "handed back"]
    assert back and back[0]["event"]["to"] == {"staff": world.alice.sid}
    assert (Chat.objects.get(pk=chat_id).state, Chat.objects.get(pk=chat_id).owner_id) == ("active", world.alice.sid)

    proc = run_bot(server, bot.token, "--backend-id", "closer-1", "closer")
    hello_line = connected(proc)
    with open_ws(server, visitor) as v_ws:
        ok(send(horn, world.alice, {"type": "transfer", "chat": {"id": chat_id}, "event": {"to": {"bot": bot.uid}}}))
        frames(v_ws, quiet=20, until=lambda got: any(f.get("text") == "Anything else I can help with?" for f in got))
        ok(text(horn, visitor, chat_id, "No, thanks."))
        steps = finished(proc, hello_line)
    assert [s["step"] for s in steps] == ["connected", "got chat", "ended"]
    assert Chat.objects.get(pk=chat_id).state == "ended"
