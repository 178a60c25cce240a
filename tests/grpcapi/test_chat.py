"""Seed 000's Support service over real gRPC streams, on the same chats as the HTTP API and /ws.

Every gRPC call maps to the domain action the HTTP flows of tests/chats/test_seed000.py use:
init = request_chat, msg = text, hang_up = end_chat, accept = join_chat, leave_session = leave_chat.
Silence is never waited for: a later message proves nothing else came before it.
"""

import json
import threading

from apps.chats.models import Chat, ChatMember, Message
from tests.grpcapi.client import accept, eventually, heard, init, said, told
from tests.helpers import join, ok, request_chat, send, text, track
from tests.realtime.wsclient import events, frames, open_ws


def test_customer_and_agents_on_grpc(horn, world, support):
    """A customer opens a session; Alice takes it (FIFO), Bob joins it by id; everyone hears everyone once."""
    visitor = track(horn, world.acme.pk)
    customer = support.customer(visitor)
    session = init(customer)
    assert session.session_id and list(session.history) == []

    alice = support.agent(world.alice)
    taken = accept(alice)  # the oldest waiting session: this one
    assert taken.session_id == session.session_id and list(taken.history) == []
    customer.send(msg="Hi, my card was declined")
    assert heard(alice) == ("customer", "Hi, my card was declined")
    alice.send(msg="Let me check")
    assert told(customer) == ("Alice", "Let me check")
    customer.send(msg="Thanks")
    assert heard(alice) == ("customer", "Thanks")

    bob = support.agent(world.bob)
    joined = accept(bob, session.session_id)
    assert all(entry.date.seconds > 0 for entry in joined.history)
    assert said(joined.history) == [
        ("customer", "Hi, my card was declined"),
        ("Alice", "Let me check"),
        ("customer", "Thanks"),
    ]
    bob.send(msg="I can see it")
    assert told(customer) == ("Bob", "I can see it")
    assert heard(alice) == ("Bob", "I can see it")
    customer.send(msg="Great")
    assert heard(alice) == ("customer", "Great") and heard(bob) == ("customer", "Great")

    # One chat, one history: what the HTTP API and the console see.
    row = Chat.objects.get(pk=session.session_id)
    assert (row.org_id, row.creator_id, row.owner_id, row.state) == (
        world.acme.pk,
        visitor.uid,
        world.alice.sid,
        "active",
    )
    texts = Message.objects.filter(chat=row, type="text").order_by("seq").values_list("body", flat=True)
    assert [body["text"] for body in texts] == [
        "Hi, my card was declined",
        "Let me check",
        "Thanks",
        "I can see it",
        "Great",
    ]
    for stream in (customer, alice, bob):
        stream.close()
    assert Chat.objects.get(pk=session.session_id).state == "active"  # closing streams ends nothing


def test_leave_and_re_enter(horn, world, support):
    """leave_session: the agent hears nothing more until it accepts the session again, with what it missed."""
    customer = support.customer(track(horn, world.acme.pk))
    session_id = init(customer).session_id
    alice, bob = support.agent(world.alice), support.agent(world.bob)
    accept(alice, session_id)
    accept(bob, session_id)
    alice.send(leave_session=0)
    left = ChatMember.objects.filter(chat_id=session_id, uid=world.alice.sid, left_at__isnull=False)
    eventually(left.exists, "Alice left")
    customer.send(msg="Anyone there?")
    assert heard(bob) == ("customer", "Anyone there?")
    bob.send(msg="Me")
    assert told(customer) == ("Bob", "Me")

    back = accept(alice, session_id)  # re-enters, with what was said meanwhile
    assert said(back.history)[-2:] == [("customer", "Anyone there?"), ("Bob", "Me")]
    customer.send(msg="Hello again")
    assert heard(alice) == ("customer", "Hello again")  # the first thing Alice hears since she left


def test_customer_on_grpc_with_agent_on_http(horn, world, server, support):
    """A gRPC customer and Bob on the HTTP API (sending with POST /api/message, receiving on /ws)."""
    visitor = track(horn, world.acme.pk)
    customer = support.customer(visitor)
    session_id = init(customer).session_id
    accepted = join(horn, world.bob, session_id)
    assert [m["type"] for m in accepted["chat"]["msgs"]] == ["request_chat", "join_chat"]

    ok(text(horn, world.bob, session_id, "Hello from the console"))
    assert told(customer) == ("Bob", "Hello from the console")

    state = ok(horn.get("/api/state/init", params={"uid": world.bob.uid}, headers=world.bob.auth))["state"]
    with open_ws(server, world.bob, version=state["version"]) as ws:
        customer.send(msg="Hello from gRPC")
        (got,) = events(frames(ws, until=lambda f: any(x.get("type") == "text" for x in f)))
    assert (got["type"], got["text"], got["from"]["id"], got["from"]["role"]) == (
        "text",
        "Hello from gRPC",
        visitor.uid,
        "user",
    )
    assert got["chat"]["id"] == session_id


def test_agent_on_grpc_with_visitor_on_websocket(horn, world, server, support):
    """A widget visitor (request over HTTP, messages over /ws) and Alice on gRPC."""
    visitor = track(horn, world.acme.pk)
    chat_id = request_chat(horn, visitor)
    alice = support.agent(world.alice)
    with open_ws(server, visitor) as ws:
        taken = accept(alice)
        assert taken.session_id == chat_id and list(taken.history) == []
        ws.send(json.dumps({"type": "text", "chat": {"id": chat_id}, "text": "Hello from the widget", "ref": 1}))
        assert heard(alice) == ("customer", "Hello from the widget")
        alice.send(msg="Hello from gRPC")
        got = events(frames(ws, until=lambda f: any(x.get("text") == "Hello from gRPC" for x in f)))
    (reply,) = [e for e in got if e["type"] == "text" and e["from"]["role"] == "staff"]
    assert (reply["text"], reply["from"]["id"], reply["from"]["name"]) == ("Hello from gRPC", world.alice.sid, "Alice")


def test_broken_stream_resumes_with_nothing_lost_or_repeated(horn, world, support):
    """A stream killed mid-chat ends nothing; init with the session id brings what was missed, once.

    Bob, also in the session, hears each message: then it is stored, and the resume must have it.
    """
    visitor = track(horn, world.acme.pk)
    customer = support.customer(visitor)
    session_id = init(customer).session_id
    alice, bob = support.agent(world.alice), support.agent(world.bob)
    accept(alice)
    accept(bob, session_id)
    alice.send(msg="Hello, how can I help?")
    assert told(customer) == ("Alice", "Hello, how can I help?")
    assert heard(bob) == ("Alice", "Hello, how can I help?")

    customer.kill()
    for words in ("Still there?", "Your card is frozen."):
        alice.send(msg=words)
        assert heard(bob) == ("Alice", words)
    assert Chat.objects.get(pk=session_id).state == "active"

    again = support.customer(visitor)
    resumed = init(again, session_id)
    assert resumed.session_id == session_id
    assert said(resumed.history) == [
        ("Alice", "Hello, how can I help?"),
        ("Alice", "Still there?"),
        ("Alice", "Your card is frozen."),
    ]
    alice.send(msg="Live again")
    assert told(again) == ("Alice", "Live again")  # the next thing after the history: nothing repeated
    assert heard(bob) == ("Alice", "Live again")

    # The agent's stream breaks too; accepting the session again brings the agent the same.
    alice.kill()
    again.send(msg="Unfreeze it please")
    assert heard(bob) == ("customer", "Unfreeze it please")
    alice2 = support.agent(world.alice)
    back = accept(alice2, session_id)
    assert said(back.history)[-2:] == [("Alice", "Live again"), ("customer", "Unfreeze it please")]
    again.send(msg="Thanks")
    assert heard(alice2) == ("customer", "Thanks")


def test_two_agents_accept_at_once(horn, world, support):
    """Two agents ask for the oldest waiting session at the same moment: each gets a different one, oldest first."""
    older = init(support.customer(track(horn, world.acme.pk))).session_id
    newer = init(support.customer(track(horn, world.acme.pk))).session_id
    alice, bob = support.agent(world.alice), support.agent(world.bob)
    results = {}

    def take(name, stream):
        results[name] = accept(stream).session_id

    threads = [threading.Thread(target=take, args=pair) for pair in (("alice", alice), ("bob", bob))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results.values()) == sorted([older, newer])
    winner = Chat.objects.get(pk=older).owner_id
    assert winner in (world.alice.sid, world.bob.sid)
    assert {Chat.objects.get(pk=older).owner_id, Chat.objects.get(pk=newer).owner_id} == {
        world.alice.sid,
        world.bob.sid,
    }


def test_hang_up_reaches_every_agent(horn, world, support):
    """hang_up ends the session for everyone: each agent gets session_ended; the customer may init again."""
    customer = support.customer(track(horn, world.acme.pk))
    session_id = init(customer).session_id
    alice, bob = support.agent(world.alice), support.agent(world.bob)
    accept(alice, session_id)
    accept(bob, session_id)
    customer.send(hang_up=0)
    for agent in (alice, bob):
        assert agent.next().WhichOneof("resp") == "session_ended"
    assert Chat.objects.get(pk=session_id).state == "ended"

    # Every stream is disconnected, and may connect again: the customer starts a new session...
    fresh = init(customer)
    assert fresh.session_id != session_id and list(fresh.history) == []
    # ...which an agent takes from the queue on the same stream.
    assert accept(bob).session_id == fresh.session_id
    customer.send(msg="New question")
    assert heard(bob) == ("customer", "New question")
    assert said(accept(alice, fresh.session_id).history) == [("customer", "New question")]


def test_send_over_http_then_grpc_keeps_order(horn, world, support):
    """An agent's messages from the HTTP API and from gRPC reach the gRPC customer in the order they were stored."""
    visitor = track(horn, world.acme.pk)
    customer = support.customer(visitor)
    session_id = init(customer).session_id
    alice = support.agent(world.alice)
    accept(alice, session_id)
    ok(send(horn, world.alice, {"type": "text", "chat": {"id": session_id}, "text": "one"}))
    alice.send(msg="two")
    assert [told(customer), told(customer)] == [("Alice", "one"), ("Alice", "two")]


def test_accept_a_session_transferred_to_the_agent(horn, world, support):
    """Bob got the chat by a transfer on the console (no join of his own): accept connects him all the same."""
    customer = support.customer(track(horn, world.acme.pk))
    session_id = init(customer).session_id
    join(horn, world.alice, session_id)
    customer.send(msg="Can someone from cards help?")
    bob = support.agent(world.bob)
    eventually(lambda: Message.objects.filter(chat_id=session_id, type="text").exists(), "the customer's message")
    moved = {"type": "transfer", "chat": {"id": session_id}, "event": {"to": {"staff": world.bob.sid}}}
    ok(send(horn, world.alice, moved))
    taken = accept(bob, session_id)
    assert said(taken.history) == [("customer", "Can someone from cards help?")]
    bob.send(msg="Cards here")
    assert told(customer) == ("Bob", "Cards here")
    customer.send(msg="Thanks")
    assert heard(bob) == ("customer", "Thanks")
