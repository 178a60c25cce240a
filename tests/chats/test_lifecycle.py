"""Lifecycle types over the real API: leave_chat, end_chat (hang-up / end_session), note."""

from apps.chats.models import Chat, ChatMember, Message
from tests.helpers import error, join, ok, request_chat, send, snapshot, text, track
from tests.realtime.wsclient import events, frames, open_ws


def init(client, who):
    return ok(client.get("/api/state/init", params={"uid": who.uid}, headers=who.auth))["state"]


def leave(client, who, chat_id):
    return send(client, who, {"type": "leave_chat", "chat": {"id": chat_id}})


def end(client, who, chat_id, **event):
    return send(client, who, {"type": "end_chat", "chat": {"id": chat_id}, **({"event": event} if event else {})})


def test_staff_leave_and_join_again(horn, world, server, chat):
    visitor, chat_id = chat
    join(horn, world.bob, chat_id)
    with open_ws(server, visitor) as v_ws, open_ws(server, world.alice) as a_ws, open_ws(server, world.bob) as b_ws:
        ok(leave(horn, world.alice, chat_id))
        for ws in (v_ws, a_ws, b_ws):  # the one who left is told too
            (got,) = events(frames(ws))
            assert (got["type"], got["from"]["id"], got["chat"]["id"]) == ("leave_chat", world.alice.sid, chat_id)
    row = Chat.objects.get(pk=chat_id)
    assert row.owner_id == world.bob.sid and row.state == "active"  # ownership passes to who is still in
    assert init(horn, world.alice)["chats"] == [] and [c["id"] for c in init(horn, world.bob)["chats"]] == [chat_id]
    error(text(horn, world.alice, chat_id, "still here?"), 403, 4002, "chat.id")

    join(horn, world.alice, chat_id)
    ok(text(horn, world.alice, chat_id, "back"))
    assert [c["id"] for c in init(horn, world.alice)["chats"]] == [chat_id]


def test_the_last_staff_leaving_leaves_no_owner_and_another_may_take_it(horn, world, chat):
    visitor, chat_id = chat
    ok(leave(horn, world.alice, chat_id))
    assert Chat.objects.get(pk=chat_id).owner_id is None
    join(horn, world.bob, chat_id)
    assert Chat.objects.get(pk=chat_id).owner_id == world.bob.sid
    ok(text(horn, visitor, chat_id, "hello Bob"))


def test_leave_is_refused_to_non_members_visitors_and_other_orgs(horn, world, chat):
    visitor, chat_id = chat
    before = snapshot()
    error(leave(horn, world.bob, chat_id), 403, 4002, "chat.id")
    error(leave(horn, visitor, chat_id), 403, 2004, "type")
    error(leave(horn, world.charlie, chat_id), 404, 3001, "chat.id")
    error(send(horn, world.alice, {"type": "leave_chat"}), 400, 1002, "chat")
    assert snapshot() == before


def test_a_visitor_hangs_up_and_every_member_is_told(horn, world, server, chat):
    visitor, chat_id = chat
    with open_ws(server, visitor) as v_ws, open_ws(server, world.alice) as a_ws:
        ok(end(horn, visitor, chat_id, reason="got my answer"))
        for ws in (v_ws, a_ws):
            (got,) = events(frames(ws))
            assert (got["type"], got["event"]) == ("end_chat", {"chat": {"id": chat_id}, "reason": "got my answer"})
    row = Chat.objects.get(pk=chat_id)
    assert row.state == "ended" and row.ended_at is not None
    assert init(horn, visitor)["chats"] == [] and init(horn, world.alice)["chats"] == []

    # Nothing more goes in; the visitor's next request opens a new chat.
    before = snapshot()
    error(text(horn, visitor, chat_id, "one more thing"), 409, 4001, "chat.id")
    error(text(horn, world.alice, chat_id, "wait"), 409, 4001, "chat.id")
    error(end(horn, world.alice, chat_id), 409, 4001, "chat.id")
    error(send(horn, world.bob, {"type": "join_chat", "chat": {"id": chat_id}}), 409, 4001)
    assert snapshot() == before
    assert request_chat(horn, visitor) != chat_id


def test_staff_end_the_session_with_a_reason_the_visitor_sees(horn, world, server, chat):
    visitor, chat_id = chat
    with open_ws(server, visitor) as v_ws:
        ok(end(horn, world.alice, chat_id, reason="Closing: no reply for 10 minutes"))
        (got,) = events(frames(v_ws))
    assert got["from"]["role"] == "staff" and got["event"]["reason"] == "Closing: no reply for 10 minutes"


def test_ending_a_waiting_chat_takes_it_off_every_staff_queue(horn, world, server):
    visitor = track(horn, world.acme.pk)
    chat_id = request_chat(horn, visitor)
    state = init(horn, world.bob)
    assert [q["id"] for q in state["queue"]] == [chat_id]
    with open_ws(server, world.bob, version=state["version"]) as b_ws:  # from the snapshot: nothing missed
        ok(end(horn, visitor, chat_id))
        (got,) = events(frames(b_ws))
    assert got["type"] == "end_chat" and init(horn, world.bob)["queue"] == []
    error(send(horn, world.bob, {"type": "join_chat", "event": {}}), 409, 4004)


def test_a_note_reaches_staff_and_never_the_visitor(horn, world, server, chat):
    visitor, chat_id = chat
    join(horn, world.bob, chat_id)
    with open_ws(server, visitor) as v_ws, open_ws(server, world.bob) as b_ws:
        note = ok(send(horn, world.alice, {"type": "note", "chat": {"id": chat_id}, "text": "VIP, be nice"}))
        ok(text(horn, world.alice, chat_id, "Hello!"))
        staff_got = events(frames(b_ws))
        visitor_got = events(frames(v_ws))
    assert [(e["type"], e["text"]) for e in staff_got] == [("note", "VIP, be nice"), ("text", "Hello!")]
    assert [(e["type"], e["text"]) for e in visitor_got] == [("text", "Hello!")]
    assert Message.objects.get(pk=note["mid"]).visibility == "internal"

    def mids(state):
        return [m["mid"] for c in state["chats"] for m in c["msgs"]]

    assert note["mid"] in mids(init(horn, world.bob)) and note["mid"] not in mids(init(horn, visitor))
    history = ok(horn.get("/api/chat/history", params={"chat": chat_id}, headers=visitor.auth))
    assert note["mid"] not in [m["mid"] for m in history["msgs"]]
    # A visitor reconnecting from before the note is not replayed it either.
    with open_ws(server, visitor, version="0") as v_ws:
        assert note["mid"] not in [e["mid"] for e in events(frames(v_ws))]


def test_visitors_cannot_write_notes(horn, world, chat):
    visitor, chat_id = chat
    before = snapshot()
    error(
        send(horn, visitor, {"type": "note", "chat": {"id": chat_id}, "text": "psst", "from": {"id": visitor.uid}}),
        403,
        2004,
        "type",
    )
    assert snapshot() == before
    assert ChatMember.objects.filter(chat_id=chat_id, left_at__isnull=True).count() == 2


def typing(client, who, chat_id, **event):
    body = {"type": "typing", "chat": {"id": chat_id}, "event": event}
    if hasattr(who, "track_id"):
        body["from"] = {"id": who.uid}
    return send(client, who, body)


def typings(ws) -> list[dict]:
    """Typing frames only (staff connections also get presence notices)."""
    return [f for f in frames(ws) if f.get("type") == "typing"]


def test_staff_see_the_visitors_draft_the_visitor_sees_only_that_staff_type(horn, world, server, chat):
    visitor, chat_id = chat
    join(horn, world.bob, chat_id)
    before = snapshot()
    with (
        open_ws(server, visitor) as v_ws,
        open_ws(server, world.alice) as a_ws,
        open_ws(server, world.bob) as b_ws,
    ):
        answer = ok(typing(horn, visitor, chat_id, on=True, text="I need a refu"))
        assert answer["mid"] == "" and answer["chat"] == {"id": chat_id}
        for ws in (a_ws, b_ws):
            (got,) = typings(ws)
            assert (got["type"], got["from"]["id"], got["event"]) == (
                "typing",
                visitor.uid,
                {"on": True, "text": "I need a refu"},
            )
            assert "version" not in got and "mid" not in got  # not stored, not a cursor
        assert typings(v_ws) == []  # not echoed to the sender

        ok(typing(horn, world.alice, chat_id, on=True, text="staff drafts stay private"))
        (to_visitor,) = typings(v_ws)
        assert to_visitor["event"] == {"on": True} and to_visitor["from"]["role"] == "staff"
        (to_bob,) = typings(b_ws)
        assert to_bob["event"] == {"on": True}
        assert typings(a_ws) == []
    assert snapshot() == before  # nothing stored, no sequence number taken


def test_typing_is_for_members_of_open_chats(horn, world, chat):
    visitor, chat_id = chat
    stranger = track(horn, world.acme.pk)
    error(typing(horn, stranger, chat_id, on=True), 403, 4002, "chat.id")
    error(typing(horn, world.charlie, chat_id, on=True), 404, 3001, "chat.id")
    error(typing(horn, visitor, chat_id, on="yes"), 400, 1004, "event.on")
    error(typing(horn, visitor, chat_id), 400, 1002, "event.on")
    Chat.objects.filter(pk=chat_id).update(state=Chat.ENDED)
    error(typing(horn, visitor, chat_id, on=False), 409, 4001, "chat.id")


def test_agent_done_is_for_staff_in_the_chat(horn, world, chat):
    visitor, chat_id = chat
    before = snapshot()
    error(send(horn, visitor, {"type": "agent_done", "chat": {"id": chat_id}}), 403, 2004, "type")
    error(send(horn, world.bob, {"type": "agent_done", "chat": {"id": chat_id}}), 403, 4002, "chat.id")
    error(send(horn, world.charlie, {"type": "agent_done", "chat": {"id": chat_id}}), 404, 3001, "chat.id")
    assert snapshot() == before


def test_info_lines_reach_the_visitor_and_only_staff_send_them(horn, world, server, chat):
    visitor, chat_id = chat
    with open_ws(server, visitor) as v_ws:
        ok(send(horn, world.alice, {"type": "info", "chat": {"id": chat_id}, "text": "Alice transferred you"}))
        (got,) = events(frames(v_ws))
    assert (got["type"], got["text"]) == ("info", "Alice transferred you")
    before = snapshot()
    body = {"type": "info", "chat": {"id": chat_id}, "text": "I am staff", "from": {"id": visitor.uid}}
    error(send(horn, visitor, body), 403, 2004, "type")
    assert snapshot() == before


BUTTONS = [
    {"type": "postback", "text": "Track my order", "payload": "ORDER_STATUS"},
    {"type": "postback", "text": "Talk to a human", "payload": "HUMAN"},
]


def test_quick_replies_are_offered_by_staff_and_answered_by_the_visitor(horn, world, server, chat):
    visitor, chat_id = chat
    with open_ws(server, visitor) as v_ws, open_ws(server, world.alice) as a_ws:
        ok(text(horn, world.alice, chat_id, "How can I help?", quick_replies=BUTTONS))
        (offer,) = events(frames(v_ws))
        assert offer["quick_replies"] == BUTTONS
        ok(text(horn, visitor, chat_id, "Track my order", quick_reply_payload="ORDER_STATUS"))
        answers = [e for e in events(frames(a_ws)) if e["from"]["id"] == visitor.uid]
    assert [(a["text"], a["quick_reply_payload"]) for a in answers] == [("Track my order", "ORDER_STATUS")]
    (row,) = init(horn, visitor)["chats"]
    assert row["msgs"][-2]["quick_replies"] == BUTTONS and row["msgs"][-1]["quick_reply_payload"] == "ORDER_STATUS"


def test_quick_replies_are_checked(horn, world, chat):
    visitor, chat_id = chat
    before = snapshot()
    error(text(horn, visitor, chat_id, "buttons?", quick_replies=BUTTONS), 403, 2004, "quick_replies")
    error(text(horn, world.alice, chat_id, "hm", quick_reply_payload="X"), 403, 2004, "quick_reply_payload")
    bad = [{"type": "url", "text": "x", "payload": "y"}]
    error(text(horn, world.alice, chat_id, "hm", quick_replies=bad), 400, 1004, "quick_replies.0.type")
    error(text(horn, world.alice, chat_id, "hm", quick_replies=[{"type": "postback", "text": "x"}]), 400, 1002)
    error(text(horn, world.alice, chat_id, "hm", quick_replies=[]), 400, 1004, "quick_replies")
    note = {"type": "note", "chat": {"id": chat_id}, "text": "n", "quick_replies": BUTTONS}
    error(send(horn, world.alice, note), 400, 1003, "quick_replies")
    assert snapshot() == before


def test_staff_identify_the_customer_and_the_visitor_is_not_told(horn, world, server, chat):
    visitor, chat_id = chat
    join(horn, world.bob, chat_id)
    with open_ws(server, visitor) as v_ws, open_ws(server, world.bob) as b_ws:
        body = {"type": "customer_identified", "chat": {"id": chat_id}, "event": {"customer_id": "crm-4711"}}
        ok(send(horn, world.alice, body))
        (to_bob,) = events(frames(b_ws))
        assert events(frames(v_ws)) == []
    customer = {"id": "crm-4711", "verified": False}  # staff's word, not proved by the org's HMAC
    assert to_bob["event"] == {
        "chat": {"id": chat_id},
        "uid": visitor.uid,
        "customer_id": "crm-4711",
        "customer": customer,
    }
    assert [c["customer_id"] for c in init(horn, world.alice)["chats"]] == ["crm-4711"]
    assert [c["customer"] for c in init(horn, world.alice)["chats"]] == [customer]
    assert "customer_id" not in init(horn, visitor)["chats"][0]
    online = ok(horn.get("/api/ping", params={"uid": visitor.uid}, headers=visitor.auth))
    assert online["code"] == 0
    listed = ok(horn.get("/api/users/online", headers=world.alice.auth))["data"]
    assert [v["customer_id"] for v in listed if v["uid"] == visitor.uid] == ["crm-4711"]
    assert [v["customer"] for v in listed if v["uid"] == visitor.uid] == [customer]


def test_customer_identified_is_checked(horn, world, chat):
    visitor, chat_id = chat
    before = snapshot()
    body = {"type": "customer_identified", "chat": {"id": chat_id}, "event": {"customer_id": "x"}}
    error(send(horn, visitor, {**body, "from": {"id": visitor.uid}}), 403, 2004, "type")
    error(send(horn, world.bob, body), 403, 4002, "chat.id")
    error(send(horn, world.alice, {**body, "event": {}}), 400, 1002, "event.customer_id")
    error(send(horn, world.alice, {**body, "event": {"customer_id": "c" * 129}}), 400, 1005, "event.customer_id")
    assert snapshot() == before


def read(client, who, chat_id, mid):
    body = {"type": "read", "chat": {"id": chat_id}, "event": {"mid": mid}}
    if hasattr(who, "track_id"):
        body["from"] = {"id": who.uid}
    return send(client, who, body)


def test_read_receipts_reach_the_other_members_and_only_move_forward(horn, world, server, chat):
    visitor, chat_id = chat
    first = ok(text(horn, world.alice, chat_id, "Hi!"))["mid"]
    second = ok(text(horn, world.alice, chat_id, "Anything else?"))["mid"]
    before = snapshot()
    with open_ws(server, visitor) as v_ws, open_ws(server, world.alice) as a_ws:
        assert ok(read(horn, visitor, chat_id, second))["mid"] == ""
        (receipt,) = [f for f in frames(a_ws) if f.get("type") == "read"]
        assert [f for f in frames(v_ws) if f.get("type") == "read"] == []  # not echoed
    assert (receipt["from"]["id"], receipt["event"]["mid"]) == (visitor.uid, second)
    assert snapshot() == before  # no message, no sequence number
    version = receipt["event"]["version"]
    ok(read(horn, visitor, chat_id, first))  # an older receipt changes nothing
    for who in (visitor, world.alice):
        assert init(horn, who)["chats"][0]["read"] == {visitor.uid: version}


def test_read_receipts_are_checked(horn, world, chat):
    visitor, chat_id = chat
    note = ok(send(horn, world.alice, {"type": "note", "chat": {"id": chat_id}, "text": "internal"}))["mid"]
    other = track(horn, world.acme.pk)
    other_chat = request_chat(horn, other)
    elsewhere = ok(text(horn, other, other_chat, "mine"))["mid"]
    error(read(horn, visitor, chat_id, note), 404, 3001, "event.mid")  # a visitor cannot know a note's mid
    error(read(horn, visitor, chat_id, elsewhere), 404, 3001, "event.mid")
    error(read(horn, visitor, chat_id, "nope"), 400, 1007, "event.mid")
    error(read(horn, world.bob, chat_id, note), 403, 4002, "chat.id")
    ok(read(horn, world.alice, chat_id, note))  # staff may


def transfer(client, who, chat_id, **to):
    return send(client, who, {"type": "transfer", "chat": {"id": chat_id}, "event": {"to": to}})


def test_transfer_to_a_colleague(horn, world, server, chat):
    visitor, chat_id = chat
    with open_ws(server, visitor) as v_ws, open_ws(server, world.alice) as a_ws, open_ws(server, world.bob) as b_ws:
        ok(transfer(horn, world.alice, chat_id, staff=world.bob.sid))
        for ws in (v_ws, a_ws, b_ws):  # the visitor, the one handing over, the one taking over
            (got,) = events(frames(ws))
            assert got["type"] == "transfer" and got["event"]["to"] == {"staff": world.bob.sid, "name": "Bob"}
    row = Chat.objects.get(pk=chat_id)
    assert (row.owner_id, row.state) == (world.bob.sid, "active")
    assert init(horn, world.alice)["chats"] == []
    (taken,) = init(horn, world.bob)["chats"]
    assert [m["type"] for m in taken["msgs"]][:2] == ["request_chat", "join_chat"]  # with its history
    ok(text(horn, world.bob, chat_id, "Bob here"))
    error(text(horn, world.alice, chat_id, "me too"), 403, 4002, "chat.id")


def test_transfer_to_a_queue_puts_the_chat_first_in_line_there(horn, world, server, chat):
    visitor, chat_id = chat
    waiting = request_chat(horn, track(horn, world.acme.pk))
    with open_ws(server, world.bob) as b_ws:
        ok(transfer(horn, world.alice, chat_id, queue="billing"))
        (got,) = events(frames(b_ws))  # queue change: every staff member
    assert got["event"]["to"] == {"queue": "billing"}
    queue = init(horn, world.bob)["queue"]
    assert [(q["id"], q["queue"]) for q in queue] == [(chat_id, "billing"), (waiting, "")]
    assert ChatMember.objects.filter(chat_id=chat_id, left_at__isnull=True, role="staff").count() == 0
    assert ok(send(horn, world.bob, {"type": "join_chat", "event": {}}))["chat"]["id"] == chat_id


def test_transfer_is_checked(horn, world, chat):
    visitor, chat_id = chat
    before = snapshot()
    error(transfer(horn, world.alice, chat_id, staff=world.charlie.sid), 404, 3001, "event.to.staff")
    error(transfer(horn, world.alice, chat_id, staff=world.alice.sid), 400, 1004, "event.to.staff")
    error(transfer(horn, world.alice, chat_id), 400, 1004, "event.to")
    error(transfer(horn, world.alice, chat_id, staff=world.bob.sid, queue="x"), 400, 1004, "event.to")
    error(transfer(horn, world.bob, chat_id, staff=world.alice.sid), 403, 4002, "chat.id")
    body = {"type": "transfer", "chat": {"id": chat_id}, "event": {"to": {"queue": "x"}}, "from": {"id": visitor.uid}}
    error(send(horn, visitor, body), 403, 2004, "type")
    assert snapshot() == before
