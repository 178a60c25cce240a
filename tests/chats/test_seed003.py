"""Seed 003's example scenarios (Sermo), each played end to end over the HTTP API and websockets.

Sermo's event names map onto Horn's types: start = request_chat,
typing_on/typing_off = typing on/off, handover_to_queue = transfer to a
queue, claim_session = join_chat, end_session = end_chat, messages_read = read.
"""

from apps.accounts import orgs
from apps.accounts.models import Organisation, Staff
from apps.chats.models import Chat, ChatMember
from tests.helpers import error, join, ok, request_chat, send, text, track
from tests.realtime.wsclient import events, frames, open_ws


def init(client, who):
    params = {"uid": who.uid} if hasattr(who, "track_id") else {}
    return ok(client.get("/api/state/init", params=params, headers=who.auth))["state"]


def event(client, who, type_, chat_id, **fields):
    return ok(send(client, who, {"type": type_, "chat": {"id": chat_id}, **fields}))


def kinds(got):
    return [(f["type"], f["from"]["role"]) for f in got]


def test_standard_scenario(horn, world, server, bot):
    ok(horn.get("/api/ping", headers=world.alice.auth))  # an agent is at work: the platform is open
    # 1. A new customer opens a chat session (start), then sends heartbeats.
    visitor = track(horn, world.acme.pk)
    chat_id = request_chat(horn, visitor)
    ok(horn.get("/api/ping", params={"uid": visitor.uid}, headers=visitor.auth))
    assert ok(send(horn, bot, {"type": "join_chat", "event": {}}))["chat"]["id"] == chat_id

    with open_ws(server, visitor) as v_ws, open_ws(server, bot) as b_ws:
        # 2. The customer types; the bot sees the draft (sneak peek).
        event(horn, visitor, "typing", chat_id, event={"on": True, "text": "I want to change invoice 7"})
        (peek,) = [f for f in frames(b_ws) if f.get("type") == "typing"]
        assert (peek["type"], peek["event"]) == ("typing", {"on": True, "text": "I want to change invoice 7"})
        # 3. The first message; 4. the bot replies.
        ok(text(horn, visitor, chat_id, "I want to change invoice 70557076"))
        ok(text(horn, bot, chat_id, "Sure. Who am I talking to?"))
        # 5. The bot identifies the customer: internal, the customer is not told.
        event(horn, bot, "customer_identified", chat_id, event={"customer_id": "1234567"})
        # 7. The customer is told the chat is queued (info); 6. the bot hands it to the billing queue.
        event(horn, bot, "info", chat_id, text='Your chat is now in the queue "Billing"')
        event(horn, bot, "transfer", chat_id, event={"to": {"queue": "billing"}})
        to_visitor = frames(v_ws)
        to_bot = events(frames(b_ws))
    # 8. ... and its place in the queue (queue_number), pushed to the customer.
    assert kinds(to_visitor) == [
        ("text", "user"),
        ("text", "bot"),
        ("info", "bot"),
        ("transfer", "bot"),
        ("queue_number", "system"),
    ]
    assert to_visitor[-1]["event"] == {"position": 1}
    assert [e["type"] for e in to_bot] == ["text", "text", "customer_identified", "info", "transfer"]
    row = Chat.objects.get(pk=chat_id)
    assert (row.state, row.queue) == ("requested", "billing")

    with open_ws(server, visitor) as v_ws, open_ws(server, world.alice) as a_ws:
        taken = ok(send(horn, world.alice, {"type": "join_chat", "event": {}}))  # claim_session
        assert taken["chat"]["id"] == chat_id
        # The agent has the whole conversation, with the customer id the bot found.
        assert [m["type"] for m in taken["chat"]["msgs"]][:4] == ["request_chat", "join_chat", "text", "text"]
        assert init(horn, world.alice)["chats"][0]["customer_id"] == "1234567"
        # 9. The agent types (typing_on / typing_off): the customer sees that, not a draft.
        event(horn, world.alice, "typing", chat_id, event={"on": True, "text": "Hello, I can"})
        event(horn, world.alice, "typing", chat_id, event={"on": False})
        ok(text(horn, world.alice, chat_id, "Hello, I can change it for you."))
        got = frames(v_ws)
        assert [(f["type"], f.get("event")) for f in got] == [
            ("join_chat", {"chat": {"id": chat_id}}),
            ("typing", {"on": True}),
            ("typing", {"on": False}),
            ("text", None),
        ]
        # 11. The customer closes the chat window (client_left): staff are told, the chat stays open.
        event(horn, visitor, "client_left", chat_id)
        assert [(e["type"], e["from"]["id"]) for e in events(frames(a_ws))] == [
            ("join_chat", world.alice.sid),
            ("text", world.alice.sid),
            ("client_left", visitor.uid),
        ]
        assert events(frames(v_ws)) == []  # internal
        # 10.2 The agent ends the session for good (end_session), with a reason the customer sees.
        event(horn, world.alice, "end_chat", chat_id, event={"reason": "Your invoice is changed."})
        (ended,) = events(frames(v_ws))
    assert (ended["type"], ended["event"]["reason"]) == ("end_chat", "Your invoice is changed.")
    assert ChatMember.objects.filter(chat_id=chat_id, uid=bot.uid, left_at__isnull=True).exists() is False
    error(text(horn, visitor, chat_id, "hello?"), 409, 4001, "chat.id")
    # (10.1, agent_done, is "Customer returns after agent closed session" below.)


def test_the_bot_asks_if_the_customer_is_still_there(horn, world, server, bot):
    earlier = request_chat(horn, track(horn, world.acme.pk))  # somebody already waits
    visitor = track(horn, world.acme.pk)
    chat_id = request_chat(horn, visitor)
    join(horn, bot, chat_id)
    # 1. The bot identifies intent and customer; 2. hands over to an agent: the chat joins the queue.
    event(horn, bot, "customer_identified", chat_id, event={"customer_id": "C-42"})
    event(horn, bot, "handover_to_agent", chat_id)
    assert [q["id"] for q in init(horn, world.alice)["queue"]] == [earlier, chat_id]
    # 3. The bot, still with the customer, checks they are there, and hands over again ...
    with open_ws(server, visitor) as v_ws:
        ok(text(horn, bot, chat_id, "Are you still there?"))
        ok(text(horn, visitor, chat_id, "Yes!"))
        event(horn, bot, "handover_to_agent", chat_id)
        assert [(e["type"], e["from"]["role"]) for e in events(frames(v_ws))] == [
            ("text", "bot"),
            ("text", "user"),
            ("handover_to_agent", "bot"),
        ]
    # 4. ... and the agent gets it as if it were first in line.
    assert [q["id"] for q in init(horn, world.alice)["queue"]] == [chat_id, earlier]
    taken = ok(send(horn, world.alice, {"type": "join_chat", "event": {}}))
    assert taken["chat"]["id"] == chat_id
    assert not ChatMember.objects.filter(chat_id=chat_id, uid=bot.uid, left_at__isnull=True).exists()
    assert Chat.objects.get(pk=chat_id).owner_id == world.alice.sid


def test_the_bot_ends_a_session_for_the_agent(horn, world, server, bot, chat):
    visitor, chat_id = chat  # 1. a customer wants help with an invoice; Alice helps
    ok(text(horn, visitor, chat_id, "Help with my invoice please"))
    ok(text(horn, world.alice, chat_id, "Done: it is corrected."))
    # 2. Alice hands the chat to the bot to end it in her name.
    with open_ws(server, visitor) as v_ws, open_ws(server, bot) as b_ws:
        event(horn, world.alice, "transfer", chat_id, event={"to": {"bot": bot.uid}})
        (handed,) = events(frames(b_ws))
        assert (handed["type"], handed["event"]["to"]["bot"]) == ("transfer", bot.uid)
        # 3. The bot asks if there is anything else; the customer has another invoice question.
        ok(text(horn, bot, chat_id, "Anything else I can help with?"))
        ok(text(horn, visitor, chat_id, "Yes, why is the amount different?"))
        seen = events(frames(v_ws))
    assert kinds(seen) == [("text", "bot"), ("text", "user")]  # the transfer itself is internal
    assert Chat.objects.get(pk=chat_id).owner_id == world.alice.sid  # the chat still counts as hers
    error(text(horn, world.alice, chat_id, "..."), 403, 4002, "chat.id")  # but she is out of it

    # 4. The bot hands back: the session pops back up for the same agent, not the queue.
    with open_ws(server, visitor) as v_ws, open_ws(server, world.alice) as a_ws:
        event(horn, bot, "handover_to_agent", chat_id)
        (back,) = events(frames(a_ws))
        assert (back["type"], back["event"]["to"]) == ("handover_to_agent", {"staff": world.alice.sid})
        ok(text(horn, world.alice, chat_id, "The difference is the monthly fee."))
        assert kinds(events(frames(v_ws))) == [("text", "staff")]  # the customer never noticed
    row = Chat.objects.get(pk=chat_id)
    assert (row.state, row.owner_id) == ("active", world.alice.sid)
    assert init(horn, world.alice)["queue"] == []
    mine = init(horn, world.alice)["chats"][0]["msgs"]
    assert "Yes, why is the amount different?" in [m.get("text") for m in mine]
    error(text(horn, bot, chat_id, "bye"), 403, 4002, "chat.id")

    # Or the customer has nothing more, and the bot ends the session in the agent's name.
    event(horn, world.alice, "transfer", chat_id, event={"to": {"bot": bot.uid}})
    with open_ws(server, visitor) as v_ws:
        event(horn, bot, "end_chat", chat_id, event={"reason": "Thank you for contacting us."})
        (ended,) = events(frames(v_ws))
    assert (ended["type"], ended["from"]["role"], ended["event"]["reason"]) == (
        "end_chat",
        "bot",
        "Thank you for contacting us.",
    )
    assert Chat.objects.get(pk=chat_id).state == "ended"


def test_count_down_current_sessions_for_agent(horn, world, server):
    """Capacity counts the chance each customer is still there: closed chat windows weigh half."""
    Organisation.objects.filter(pk=world.acme.pk).update(auto_assign=True)
    orgs.forget_all()
    Staff.objects.filter(sid=world.alice.sid).update(max_chats=3)
    ok(horn.get("/api/ping", headers=world.alice.auth))
    # 1. The agent is working on three sessions: she is full, a fourth waits.
    visitors = [track(horn, world.acme.pk) for _ in range(4)]
    chats = [request_chat(horn, v) for v in visitors]

    def owners():
        return [Chat.objects.get(pk=c).owner_id for c in chats]

    assert owners() == [world.alice.sid] * 3 + [None]
    # 2. Two customers close their chat windows: three chats now weigh 1 + 0.5 + 0.5 = 2,
    # 3. so the fourth session is distributed to her.
    event(horn, visitors[0], "client_left", chats[0])
    assert owners()[3] is None  # 2.5 leaves no room for a whole chat
    with open_ws(server, visitors[3]) as v_ws:
        event(horn, visitors[1], "client_left", chats[1])
        assert [(e["type"], e["from"]["id"]) for e in events(frames(v_ws))] == [("join_chat", world.alice.sid)]
    assert owners() == [world.alice.sid] * 4
    # A customer who writes again counts in full again: no room for a fifth.
    ok(text(horn, visitors[1], chats[1], "I'm back"))
    fifth = request_chat(horn, track(horn, world.acme.pk))
    assert Chat.objects.get(pk=fifth).owner_id is None


def test_client_left_and_client_unload_are_for_visitors_and_change_nothing_else(horn, world, server, chat):
    visitor, chat_id = chat
    with open_ws(server, world.alice) as a_ws, open_ws(server, visitor) as v_ws:
        event(horn, visitor, "client_unload", chat_id)  # tab closed or reloaded: a hint, not stored
        (unload,) = [f for f in frames(a_ws) if f.get("type") == "client_unload"]
        assert (unload["type"], unload["from"]["id"], "version" in unload) == ("client_unload", visitor.uid, False)
        assert frames(v_ws) == []
    assert Chat.objects.get(pk=chat_id).state == "active"
    for type_ in ("client_left", "client_unload"):
        error(send(horn, world.alice, {"type": type_, "chat": {"id": chat_id}}), 403, 2004, "type")
    other = track(horn, world.acme.pk)
    error(event_raw(horn, other, "client_left", chat_id), 403, 4002, "chat.id")
    event(horn, visitor, "end_chat", chat_id)
    error(event_raw(horn, visitor, "client_left", chat_id), 409, 4001, "chat.id")


def event_raw(client, who, type_, chat_id):
    return send(client, who, {"type": type_, "chat": {"id": chat_id}})


def test_customer_returns_after_the_agent_closed_the_session(horn, world, server, chat):
    """Seed 003: agent_done leaves the chat open with no agent; the visitor's next message puts it first in line."""
    visitor, chat_id = chat
    waiting = request_chat(horn, track(horn, world.acme.pk))  # already queued before ours comes back
    with open_ws(server, visitor) as v_ws, open_ws(server, world.alice) as a_ws:
        ok(send(horn, world.alice, {"type": "agent_done", "chat": {"id": chat_id}}))
        for ws in (v_ws, a_ws):
            assert [e["type"] for e in events(frames(ws))] == ["agent_done"]
    row = Chat.objects.get(pk=chat_id)
    assert (row.state, row.owner_id) == ("agent_done", None)
    assert list(ChatMember.objects.filter(chat_id=chat_id, left_at__isnull=True).values_list("role", flat=True)) == [
        "user"
    ]
    assert init(horn, world.alice)["chats"] == [] and [c["state"] for c in init(horn, visitor)["chats"]] == [
        "agent_done"
    ]
    assert [q["id"] for q in init(horn, world.bob)["queue"]] == [waiting]
    error(text(horn, world.alice, chat_id, "one more"), 403, 4002, "chat.id")

    with open_ws(server, world.bob) as b_ws, open_ws(server, visitor) as v_ws:
        ok(text(horn, visitor, chat_id, "Actually, one more question"))
        to_bob = events(frames(b_ws))
        to_visitor = events(frames(v_ws))
    # Staff outside the chat learn that it waits again, not what was written.
    assert [(e["type"], e["event"].get("requeued")) for e in to_bob] == [("request_chat", True)]
    assert [e["type"] for e in to_visitor] == ["request_chat", "text"]
    assert [q["id"] for q in init(horn, world.bob)["queue"]] == [chat_id, waiting]  # first in line

    claimed = ok(send(horn, world.bob, {"type": "join_chat", "event": {}}))
    assert claimed["chat"]["id"] == chat_id
    (mine,) = init(horn, world.bob)["chats"]
    assert mine["state"] == "active" and mine["staff_id"] == world.bob.sid
    assert "Actually, one more question" in [m.get("text") for m in mine["msgs"]]
