"""Seed 000 (the bank's Support service) end to end: one test per flow, over real HTTP and /ws.

The seed's streams map onto Horn as follows: ChatCustomer `init` is `request_chat` (with the
session's id to resume it) plus `state/init`; `msg` is `text`; `hang_up` is `end_chat`. ChatAgent
`accept` is `join_chat` (with a chat id, or `event: {}` for the one waiting longest) and its reply
is the `accepted_session` with its history; `leave_session` is `leave_chat`; `session_ended` is the
`end_chat` event pushed to every agent in the chat. A stream is a `/ws` connection resuming from
its `version` cursor.
"""

import socket

from apps.chats.models import Chat
from tests.helpers import error, join, ok, request_chat, send, snapshot, text, track
from tests.realtime.wsclient import events, frames, open_ws


def init(client, who) -> dict:
    return ok(client.get("/api/state/init", params={"uid": who.uid}, headers=who.auth))["state"]


def stream(server, client, who):
    """A push stream from the caller's state/init cursor: nothing after that snapshot can be missed."""
    return open_ws(server, who, version=init(client, who)["version"])


def claim(client, staff):
    return send(client, staff, {"type": "join_chat", "event": {}})


def leave(client, staff, chat_id):
    return send(client, staff, {"type": "leave_chat", "chat": {"id": chat_id}})


def hang_up(client, visitor, chat_id, **event):
    body = {"type": "end_chat", "from": {"id": visitor.uid}, "chat": {"id": chat_id}}
    return send(client, visitor, {**body, **({"event": event} if event else {})})


def said(msgs) -> list[tuple]:
    """Who sent what: (type, from.id, text) of each message."""
    return [(m["type"], m["from"]["id"], m.get("text")) for m in msgs]


def test_init_starts_a_session(horn, world, server):
    """Seed 000 ChatCustomer `init`: a new session starts, holds the customer's messages and waits for an agent."""
    visitor = track(horn, world.acme.pk)
    with stream(server, horn, world.alice) as alice_ws:
        body = {"type": "request_chat", "from": {"id": visitor.uid, "role": "user"}, "event": {"uids": [visitor.uid]}}
        started = ok(send(horn, visitor, body))
        chat_id = started["chat"]["id"]
        ok(text(horn, visitor, chat_id, "Hi, my card was declined"))
        queued = events(frames(alice_ws))
    # An agent outside the session sees it enter the queue, not what the customer writes.
    assert said(queued) == [("request_chat", visitor.uid, None)] and queued[0]["chat"]["id"] == chat_id

    state = init(horn, visitor)
    (session,) = state["chats"]
    assert (session["id"], session["state"], session["creator"], session["staff_id"]) == (
        chat_id,
        "requested",
        visitor.uid,
        "",
    )
    msgs = session["msgs"]
    assert said(msgs) == [("request_chat", visitor.uid, None), ("text", visitor.uid, "Hi, my card was declined")]
    assert msgs[0]["mid"] == started["mid"]
    for m in msgs:
        assert (m["from"]["role"], m["chat"]["id"]) == ("user", chat_id) and isinstance(m["t"]["t0"], int)
    assert state["version"] == msgs[-1]["version"]

    staff = init(horn, world.bob)
    assert staff["chats"] == []
    assert [(q["id"], q["creator"]) for q in staff["queue"]] == [(chat_id, visitor.uid)]
    assert isinstance(staff["queue"][0]["waiting_since"], int)


def test_resume_after_a_broken_stream(horn, world, server, chat):
    """Seed 000 ChatCustomer `init` (resume_session_id): a broken stream ends nothing; resuming misses nothing."""
    visitor, chat_id = chat
    with stream(server, horn, visitor) as ws:
        ok(text(horn, world.alice, chat_id, "Hello, how can I help?"))
        (hello,) = events(frames(ws))
        ws.socket.shutdown(socket.SHUT_RDWR)  # the connection breaks: no close handshake

    missed = [ok(text(horn, world.alice, chat_id, words))["mid"] for words in ("Still there?", "Card frozen.")]
    assert Chat.objects.get(pk=chat_id).state == "active"  # a broken stream does not end the session

    # A new stream from the last version received: exactly what was missed, once, then live messages.
    with open_ws(server, visitor, version=hello["version"]) as ws:
        live = ok(text(horn, visitor, chat_id, "Back, thanks!"))["mid"]
        got = events(frames(ws))
    assert [e["mid"] for e in got] == [*missed, live]
    for e in got[:2]:
        assert (e["from"]["id"], e["from"]["role"], e["from"]["name"]) == (world.alice.sid, "staff", "Alice")
        assert e["chat"]["id"] == chat_id and isinstance(e["t"]["t0"], int) and isinstance(e["t"]["t1"], int)

    # `init` with the session's id resumes it: the same chat, nothing new stored.
    someone_else = request_chat(horn, track(horn, world.acme.pk))
    before = snapshot()
    resumed = ok(send(horn, visitor, {"type": "request_chat", "chat": {"id": chat_id}}))
    assert resumed["chat"]["id"] == chat_id
    assert snapshot() == before
    (session,) = init(horn, visitor)["chats"]
    assert (session["id"], session["state"]) == (chat_id, "active")
    texts = [m["text"] for m in session["msgs"] if m["type"] == "text"]
    assert texts == ["Hello, how can I help?", "Still there?", "Card frozen.", "Back, thanks!"]
    # Another customer's session cannot be resumed: it looks like no session at all.
    error(send(horn, visitor, {"type": "request_chat", "chat": {"id": someone_else}}), 404, 3001, "chat.id")
    assert snapshot() == before


def test_hang_up_ends_the_session(horn, world, server, chat):
    """Seed 000 ChatCustomer `hang_up`: the customer's explicit hang-up ends the session; nothing more goes in."""
    visitor, chat_id = chat
    with stream(server, horn, visitor) as ws:
        hung_up = ok(hang_up(horn, visitor, chat_id))
        (ended,) = events(frames(ws))
    assert hung_up["chat"]["id"] == chat_id and ended["mid"] == hung_up["mid"]
    assert (ended["type"], ended["from"]["id"], ended["from"]["role"], ended["chat"]["id"]) == (
        "end_chat",
        visitor.uid,
        "user",
        chat_id,
    )
    assert ended["event"] == {"chat": {"id": chat_id}} and isinstance(ended["t"]["t0"], int)
    row = Chat.objects.get(pk=chat_id)
    assert row.state == "ended" and row.ended_at is not None
    assert init(horn, visitor)["chats"] == [] and init(horn, world.alice)["chats"] == []

    before = snapshot()
    error(text(horn, visitor, chat_id, "One more thing"), 409, 4001, "chat.id")
    error(text(horn, world.alice, chat_id, "Goodbye"), 409, 4001, "chat.id")
    error(hang_up(horn, visitor, chat_id), 409, 4001, "chat.id")
    assert snapshot() == before
    # The stream is back in its initial state: the next init starts a new session.
    assert request_chat(horn, visitor) != chat_id


def test_accept_specific_session(horn, world, server):
    """Seed 000 ChatAgent `accept` (session_id): the agent owns that session, gets its history; the customer is told."""
    longer = request_chat(horn, track(horn, world.acme.pk))  # waiting longer, but not the one asked for
    visitor = track(horn, world.acme.pk)
    chat_id = request_chat(horn, visitor)
    ok(text(horn, visitor, chat_id, "I lost my card"))
    with stream(server, horn, visitor) as ws:
        accepted = join(horn, world.alice, chat_id)
        (told,) = events(frames(ws))

    session = accepted["chat"]
    assert session["id"] == chat_id and session["has_more"] is False
    assert said(session["msgs"]) == [
        ("request_chat", visitor.uid, None),
        ("text", visitor.uid, "I lost my card"),
        ("join_chat", world.alice.sid, None),
    ]
    assert all(isinstance(m["t"]["t0"], int) for m in session["msgs"])
    assert (told["type"], told["mid"], told["chat"]["id"]) == ("join_chat", accepted["mid"], chat_id)
    assert told["from"] == {"id": world.alice.sid, "name": "Alice", "role": "staff"}

    row = Chat.objects.get(pk=chat_id)
    assert (row.state, row.owner_id) == ("active", world.alice.sid)
    (mine,) = init(horn, world.alice)["chats"]
    assert (mine["id"], mine["staff_id"], mine["state"]) == (chat_id, world.alice.sid, "active")
    assert [q["id"] for q in init(horn, world.bob)["queue"]] == [longer]


def test_accept_oldest_session_fifo(horn, world, server):
    """Seed 000 ChatAgent `accept` without a session_id: agents take waiting sessions oldest first (FIFO)."""
    visitors = [track(horn, world.acme.pk) for _ in range(3)]
    waiting = [request_chat(horn, v) for v in visitors]
    request_chat(horn, track(horn, world.globex.pk))  # another bank's queue is not ours
    assert [q["id"] for q in init(horn, world.alice)["queue"]] == waiting

    for staff, expected, visitor in zip((world.alice, world.bob, world.alice), waiting, visitors, strict=True):
        accepted = ok(claim(horn, staff))
        assert accepted["chat"]["id"] == expected
        assert said(accepted["chat"]["msgs"]) == [("request_chat", visitor.uid, None), ("join_chat", staff.sid, None)]
    owners = dict(Chat.objects.filter(pk__in=waiting).values_list("pk", "owner_id"))
    assert owners == dict(zip(waiting, (world.alice.sid, world.bob.sid, world.alice.sid), strict=True))
    assert init(horn, world.bob)["queue"] == []

    # Nothing waiting: a clear error, and nothing changes.
    before = snapshot()
    error(claim(horn, world.bob), 409, 4004)
    assert snapshot() == before


def test_multi_agent_session(horn, world, server, chat):
    """Seed 000 ChatAgent `accept`: several agents in one session; each message reaches customer and agents once."""
    visitor, chat_id = chat
    second = join(horn, world.bob, chat_id)
    assert second["chat"]["id"] == chat_id
    assert said(second["chat"]["msgs"])[-1] == ("join_chat", world.bob.sid, None)
    assert Chat.objects.get(pk=chat_id).owner_id == world.alice.sid  # the first to accept stays owner

    with (
        stream(server, horn, visitor) as v_ws,
        stream(server, horn, world.alice) as a_ws,
        stream(server, horn, world.bob) as b_ws,
    ):
        lines = ((visitor, "My card was declined"), (world.alice, "Let me check"), (world.bob, "I can see it"))
        sent = [ok(text(horn, who, chat_id, words))["mid"] for who, words in lines]
        received = [events(frames(ws)) for ws in (v_ws, a_ws, b_ws)]
    for got in received:
        assert [e["mid"] for e in got] == sent
        assert said(got) == [("text", who.uid, words) for who, words in lines]
        assert [e["from"]["role"] for e in got] == ["user", "staff", "staff"]
        assert all(e["chat"]["id"] == chat_id and isinstance(e["t"]["t0"], int) for e in got)

    (session,) = init(horn, visitor)["chats"]
    assert (session["user_num"], session["staff_id"]) == ("3", world.alice.sid)


def test_leave_and_re_enter(horn, world, server, chat):
    """Seed 000 ChatAgent `leave_session`: an agent leaves the session and re-enters it later with `accept`."""
    visitor, chat_id = chat
    join(horn, world.bob, chat_id)  # Bob stays with the customer
    with (
        stream(server, horn, visitor) as v_ws,
        stream(server, horn, world.alice) as a_ws,
        stream(server, horn, world.bob) as b_ws,
    ):
        left = ok(leave(horn, world.alice, chat_id))
        meanwhile = ok(text(horn, world.bob, chat_id, "Alice stepped out, I'm here"))["mid"]
        before = snapshot()
        error(text(horn, world.alice, chat_id, "Still me"), 403, 4002, "chat.id")  # out means out
        assert snapshot() == before

        back = join(horn, world.alice, chat_id)
        again = ok(text(horn, world.alice, chat_id, "I'm back"))["mid"]
        to_visitor, to_alice, to_bob = (events(frames(ws)) for ws in (v_ws, a_ws, b_ws))

    story = [left["mid"], meanwhile, back["mid"], again]
    for got in (to_visitor, to_bob):
        assert [e["mid"] for e in got] == story
        assert [e["type"] for e in got] == ["leave_chat", "text", "join_chat", "text"]
    # Alice is told she left and hears nothing of the session until she re-enters...
    assert [e["mid"] for e in to_alice] == [left["mid"], back["mid"], again]
    assert to_alice[0]["from"]["id"] == world.alice.sid and to_alice[0]["chat"]["id"] == chat_id
    # ...and re-entering brings her what was said meanwhile.
    assert meanwhile in [m["mid"] for m in back["chat"]["msgs"]]
    assert Chat.objects.get(pk=chat_id).owner_id == world.bob.sid  # ownership passed to who stayed
    assert [c["id"] for c in init(horn, world.alice)["chats"]] == [chat_id]


def test_session_ended_reaches_every_agent(horn, world, server, chat):
    """Seed 000 ChatAgent `session_ended`: when the customer hangs up, every agent in it is told, with the reason."""
    visitor, chat_id = chat
    join(horn, world.bob, chat_id)
    with stream(server, horn, world.alice) as a_ws, stream(server, horn, world.bob) as b_ws:
        hung_up = ok(hang_up(horn, visitor, chat_id, reason="Problem solved, thanks"))
        received = [events(frames(ws)) for ws in (a_ws, b_ws)]
    for (ended,) in received:
        assert (ended["type"], ended["mid"], ended["chat"]["id"]) == ("end_chat", hung_up["mid"], chat_id)
        assert (ended["from"]["id"], ended["from"]["role"]) == (visitor.uid, "user")
        assert ended["event"] == {"chat": {"id": chat_id}, "reason": "Problem solved, thanks"}
        assert isinstance(ended["t"]["t0"], int)
    assert init(horn, world.alice)["chats"] == [] and init(horn, world.bob)["chats"] == []
    before = snapshot()
    error(text(horn, world.bob, chat_id, "Anything else?"), 409, 4001, "chat.id")
    assert snapshot() == before
