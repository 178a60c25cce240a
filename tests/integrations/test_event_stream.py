"""The event stream (seed 002): each org's events in its Redis Stream, once, in order, read by consumer groups."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from websockets.exceptions import ConnectionClosed

from apps.chats.models import Message
from apps.integrations.models import StreamCheckpoint
from apps.integrations.stream import LEASE, Relay
from apps.realtime.replay import events_between
from examples.event_consumer import consume
from tests.conftest import _sync_redis
from tests.helpers import error, join, ok, request_chat, send, text, track
from tests.realtime.wsclient import frames, open_ws


def entries(org_id: int) -> list[tuple[str, dict]]:
    return [(entry_id, json.loads(f["event"])) for entry_id, f in _sync_redis().xrange(f"horn:events:{org_id}")]


def wait_for(found, timeout: float = 15.0):
    """Poll until `found()` returns something truthy (the relay works a few times a second)."""
    deadline = time.monotonic() + timeout
    while True:
        result = found()
        if result or time.monotonic() > deadline:
            assert result, "the stream never got there"
            return result
        time.sleep(0.05)


def stored(org_id: int) -> list[Message]:
    return list(Message.objects.filter(org_id=org_id).order_by("seq"))


def conversation(horn, world) -> str:
    visitor = track(horn, world.acme.pk)
    chat_id = request_chat(horn, visitor)
    join(horn, world.alice, chat_id)
    ok(text(horn, visitor, chat_id, "Hello, is my order on its way?"))
    ok(text(horn, world.alice, chat_id, "Let me check."))
    ok(send(horn, world.alice, {"type": "note", "chat": {"id": chat_id}, "text": "VIP customer"}))
    ok(text(horn, visitor, chat_id, "Thanks"))
    return chat_id, visitor


def test_every_stored_event_is_on_the_stream_once_in_order(horn, world, stream_on):
    chat_id, visitor = conversation(horn, world)
    rows = stored(world.acme.pk)
    got = wait_for(lambda: (e := entries(world.acme.pk)) and len(e) >= len(rows) and e)
    assert [entry_id for entry_id, _ in got] == [f"{m.seq}-0" for m in rows]
    assert [e["id"] for _, e in got] == [m.mid for m in rows]
    assert [e["version"] for _, e in got] == [m.seq for m in rows]
    by_name = {}
    for _, e in got:
        assert e["clientId"] == str(world.acme.pk) and e["sessionId"] == chat_id
        assert set(e) == {"id", "version", "name", "namespace", "parentNamespace", "timestamp", "clientId",
                          "userId", "traceId", "sessionId", "spanContext", "payload"}  # fmt: skip
        assert list(e["payload"]) == [e["name"]]
        by_name.setdefault(e["name"], []).append(e)
    sent = by_name["personalChatSent"]
    assert [s["payload"]["personalChatSent"]["payload"] for s in sent] == [
        "Hello, is my order on its way?", "Let me check.", "Thanks",
    ]  # fmt: skip
    first = sent[0]["payload"]["personalChatSent"]
    assert (first["sender_id"], first["target_id"], first["target_type"]) == (visitor.uid, chat_id, "chat")
    assert set(first["target_members"]) == {visitor.uid, world.alice.sid}
    assert sent[1]["userId"] == world.alice.sid and sent[0]["userId"] == ""  # the operator, when staff acted
    # A note is not a message to the chat's members: it keeps Horn's name, marked internal.
    [note] = by_name["note"]
    assert note["payload"]["note"]["text"] == "VIP customer" and note["payload"]["note"]["internal"] is True
    assert "request_chat" in by_name
    assert entries(world.globex.pk) == []  # nothing of Acme's anywhere else


def test_the_process_that_commits_an_event_appends_it(horn, world, horn_server, settings):
    # The relay looks once, at start, and then not for ten minutes: what reaches the stream meanwhile
    # was appended by the request's own process, in the round trip of its publish.
    settings.HORN_EVENT_STREAM = True
    settings.HORN_EVENT_STREAM_PERIOD_MS = 600_000
    try:
        horn_server.stop()
        horn_server.start()
        wait_for(lambda: _sync_redis().get(LEASE))  # the relay's first round has begun
        conversation(horn, world)
        rows = stored(world.acme.pk)
        got = wait_for(lambda: (e := entries(world.acme.pk)) and len(e) >= len(rows) and e)
        assert [entry_id for entry_id, _ in got] == [f"{m.seq}-0" for m in rows]
        # An event that does not follow the stream's end (an earlier one's process died) waits for the
        # relay: the stream never gets a gap.
        _sync_redis().delete(f"horn:events:{world.acme.pk}")
        ok(text(horn, world.alice, got[0][1]["sessionId"], "After the loss"))
        time.sleep(0.3)
        assert entries(world.acme.pk) == []
    finally:
        settings.HORN_EVENT_STREAM = False
        horn_server.stop()
        horn_server.start()


def test_events_published_out_of_order_are_appended_in_order(horn, world, settings):
    # Two processes commit 2 and then 3-4, but publish 3-4 first: those wait for 2, then all go in order.
    from apps.core.redis import get_redis
    from apps.integrations.emit import append_stored, early_key

    conversation(horn, world)  # (the suite's server runs without the stream: nothing appended yet)
    events = events_between(world.acme.pk, 1, 4)
    settings.HORN_EVENT_STREAM = True

    async def publish(batch):
        async with get_redis().pipeline(transaction=False) as pipe:
            append_stored(pipe, batch)
            await pipe.execute()

    async def run():
        await publish(events[:1])
        await publish(events[2:4])
        first = [entry_id for entry_id, _ in entries(world.acme.pk)]
        await publish(events[1:2])
        return first

    assert asyncio.run(run()) == ["1-0"]
    assert [entry_id for entry_id, _ in entries(world.acme.pk)] == ["1-0", "2-0", "3-0", "4-0"]
    assert _sync_redis().exists(early_key(world.acme.pk)) == 0


def test_events_committed_while_no_relay_ran_are_appended_when_one_does(horn, world, horn_server, settings):
    # As if the process that committed them died before anything was appended: the database is the source.
    conversation(horn, world)
    assert entries(world.acme.pk) == []
    settings.HORN_EVENT_STREAM = True
    settings.HORN_EVENT_STREAM_PERIOD_MS = 20
    try:
        horn_server.stop()
        horn_server.start()
        rows = stored(world.acme.pk)
        got = wait_for(lambda: (e := entries(world.acme.pk)) and len(e) >= len(rows) and e)
        assert [e["version"] for _, e in got] == [m.seq for m in rows]
    finally:
        settings.HORN_EVENT_STREAM = False
        horn_server.stop()
        horn_server.start()


def test_appending_again_adds_nothing(horn, world, stream_on):
    conversation(horn, world)
    rows = stored(world.acme.pk)
    wait_for(lambda: len(entries(world.acme.pk)) >= len(rows))
    # A second relay that believes nothing was appended (two leaders for a moment, or one that died
    # after appending but before noting it) appends everything again: Redis keeps one copy of each id.
    asyncio.run(Relay()._append(world.acme.pk, events_between(world.acme.pk, 1, rows[-1].seq)))
    assert [entry_id for entry_id, _ in entries(world.acme.pk)] == [f"{m.seq}-0" for m in rows]


def test_a_lost_stream_starts_again_after_the_checkpoint(horn, world, stream_on):
    chat_id, visitor = conversation(horn, world)
    rows = stored(world.acme.pk)
    wait_for(lambda: StreamCheckpoint.objects.filter(org_id=world.acme.pk, seq=rows[-1].seq).exists())
    _sync_redis().delete(f"horn:events:{world.acme.pk}", LEASE)  # Redis lost its data
    ok(text(horn, visitor, chat_id, "Still there?"))
    got = wait_for(lambda: entries(world.acme.pk))
    assert [e["payload"]["personalChatSent"]["payload"] for _, e in got] == ["Still there?"]
    assert got[0][1]["version"] == rows[-1].seq + 1


def test_connections_and_rate_limits_are_on_the_stream(horn, world, server, settings, stream_on):
    from apps.guard import ratelimit

    visitor = track(horn, world.acme.pk)
    ws = open_ws(server, visitor)
    frames(ws, quiet=0.3)
    ws.close()
    big = open_ws(server, world.alice)
    big.send("x" * (settings.HORN_WS_MAX_FRAME + 1))  # the server closes this one
    with pytest.raises(ConnectionClosed):
        while True:
            big.recv(timeout=5)
    settings.HORN_RATE_LIMITS, settings.HORN_RATE_MESSAGE, settings.HORN_RATE_REQUEST_CHAT = True, "1/hour", "1/hour"
    ratelimit.forget()
    try:
        chat_id = request_chat(horn, visitor)
        error(text(horn, visitor, chat_id, "one"), 429, 6001)
    finally:
        settings.HORN_RATE_LIMITS = False
        ratelimit.forget()

    def names():
        seen = [e for _, e in entries(world.acme.pk) if e["namespace"] == "horn.user"]
        return len(seen) >= 5 and seen

    got = wait_for(names)
    assert [(e["name"], e["userId"]) for e in got] == [
        ("userConnected", visitor.uid), ("userDisconnected", visitor.uid),
        ("userConnected", world.alice.sid), ("userDisconnected", world.alice.sid),
        ("userChatRateLimited", visitor.uid),
    ]  # fmt: skip
    left = got[1]["payload"]["userDisconnected"]
    assert (left["code"], left["forced"]) == (1000, False)
    cut = got[3]["payload"]["userDisconnected"]
    assert (cut["code"], cut["forced"]) == (4413, True) and "frame over" in cut["reason"]
    limited = got[4]["payload"]["userChatRateLimited"]
    assert limited["code"] == 6001 and limited["retry_after"] >= 1 and limited["kind"] == "message"
    # Ordered with the stored events: each says how far the org's log was when it happened.
    ids = [entry_id for entry_id, _ in entries(world.acme.pk)]
    assert ids == sorted(ids, key=lambda i: tuple(map(int, i.split("-"))))


def test_a_consumer_group_hands_each_event_to_one_consumer(horn, world, stream_on):
    conversation(horn, world)
    rows = stored(world.acme.pk)
    wait_for(lambda: len(entries(world.acme.pk)) >= len(rows))
    client, seen = _sync_redis(), {"a": [], "b": []}
    half = len(rows) // 2
    consume(client, world.acme.pk, "crm", "a", seen["a"].append, count=half, block_ms=0)
    consume(client, world.acme.pk, "crm", "b", seen["b"].append, count=len(rows) - half, block_ms=0)
    assert [e["id"] for e in seen["a"] + seen["b"]] == [m.mid for m in rows]
    assert client.xpending(f"horn:events:{world.acme.pk}", "crm")["pending"] == 0  # all acknowledged
    # Another group reads everything again, independently.
    again = []
    consume(client, world.acme.pk, "audit", "x", again.append, count=len(rows), block_ms=0)
    assert len(again) == len(rows)


def test_the_stream_is_bounded(horn, world, settings, stream_on):
    settings.HORN_EVENT_STREAM_MAXLEN = 100
    chat_id, visitor = conversation(horn, world)
    for i in range(250):
        ok(text(horn, world.alice, chat_id, f"line {i}"))
    last = stored(world.acme.pk)[-1]
    wait_for(lambda: (e := entries(world.acme.pk)) and e[-1][1]["id"] == last.mid)
    assert len(entries(world.acme.pk)) < 250
