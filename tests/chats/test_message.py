"""POST /api/message: text, file, image, request_chat, join_chat; auth, tenancy, idempotency, bad input."""

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from apps.chats.models import Chat, ChatMember, Message, OrgSequence
from apps.core import ids
from tests.conftest import ORIGIN_A, ORIGIN_B
from tests.files.helpers import image_bytes, upload
from tests.helpers import error, join, ok, request_chat, send, snapshot, text, track

# --- request_chat -----------------------------------------------------------


def test_it_opens_a_chat_for_a_visitor(horn, world):
    visitor = track(horn, world.acme.pk)
    r = send(
        horn,
        visitor,
        {
            "cid": world.acme.pk,
            "type": "request_chat",
            "from": {"id": visitor.uid, "role": "user"},
            "event": {"uids": [visitor.uid]},
        },
    )
    data = ok(r)
    assert ids.is_mid(data["mid"]) and ids.is_chat_id(data["chat"]["id"])
    chat = Chat.objects.get(pk=data["chat"]["id"])
    assert (chat.state, chat.org_id, chat.creator_id, chat.owner_id) == ("requested", world.acme.pk, visitor.uid, None)
    assert list(ChatMember.objects.filter(chat=chat).values_list("uid", "role")) == [(visitor.uid, "user")]
    msg = Message.objects.get(pk=data["mid"])
    assert (msg.type, msg.seq, msg.body["event"]["chat"]["id"]) == ("request_chat", 1, chat.pk)


def test_it_returns_the_open_chat_on_a_second_request(horn, world):
    visitor = track(horn, world.acme.pk)
    first = ok(send(horn, visitor, {"type": "request_chat", "event": {}}))
    again = ok(send(horn, visitor, {"type": "request_chat"}))
    assert again == first
    assert Chat.objects.count() == 1 and Message.objects.count() == 1


def test_it_opens_one_chat_for_a_double_click(horn, world, server):
    visitor = track(horn, world.acme.pk)

    def click(_):
        with httpx.Client(base_url=server, timeout=20) as c:
            return ok(send(c, visitor, {"type": "request_chat", "event": {"uids": [visitor.uid]}}))

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(click, range(8)))
    assert len({r["chat"]["id"] for r in results}) == 1
    assert Chat.objects.count() == 1 and Message.objects.count() == 1


def test_it_lets_a_visitor_name_staff_of_its_own_org_only(horn, world):
    visitor = track(horn, world.acme.pk)
    before = snapshot()
    r = send(horn, visitor, {"type": "request_chat", "event": {"uids": [visitor.uid, world.charlie.sid]}})
    error(r, 404, 3001, "event.uids")
    assert snapshot() == before
    ok(send(horn, visitor, {"type": "request_chat", "event": {"uids": [visitor.uid, world.bob.sid]}}))


def test_staff_cannot_request_a_chat(horn, world):
    before = snapshot()
    error(send(horn, world.alice, {"type": "request_chat", "event": {}}), 403, 2004, "type")
    assert snapshot() == before


# --- join_chat ---------------------------------------------------------------


def test_the_first_staff_to_join_owns_the_chat(horn, world):
    visitor = track(horn, world.acme.pk)
    chat_id = request_chat(horn, visitor)
    data = join(horn, world.alice, chat_id)
    assert data["chat"]["id"] == chat_id
    join(horn, world.bob, chat_id)
    chat = Chat.objects.get(pk=chat_id)
    assert (chat.state, chat.owner_id) == ("active", world.alice.sid)
    assert set(ChatMember.objects.filter(chat=chat).values_list("uid", flat=True)) == {
        visitor.uid,
        world.alice.sid,
        world.bob.sid,
    }


def test_join_accepts_the_chat_in_event_as_seed_004_sends_it(horn, world):
    chat_id = request_chat(horn, track(horn, world.acme.pk))
    data = ok(
        send(
            horn,
            world.alice,
            {"type": "join_chat", "from": {"id": world.alice.sid, "role": "staff"}, "event": {"chat": {"id": chat_id}}},
        )
    )
    assert data["chat"]["id"] == chat_id


def test_joining_twice_changes_nothing(horn, world):
    chat_id = request_chat(horn, track(horn, world.acme.pk))
    first = join(horn, world.alice, chat_id)
    before = snapshot()
    assert join(horn, world.alice, chat_id)["mid"] == first["mid"]
    assert snapshot() == before


def test_join_without_a_chat_claims_the_longest_waiting(horn, world):
    first = request_chat(horn, track(horn, world.acme.pk))
    second = request_chat(horn, track(horn, world.acme.pk))
    request_chat(horn, track(horn, world.globex.pk))  # other org's queue is not ours
    assert ok(send(horn, world.bob, {"type": "join_chat", "event": {}}))["chat"]["id"] == first
    assert ok(send(horn, world.alice, {"type": "join_chat"}))["chat"]["id"] == second
    before = snapshot()
    error(send(horn, world.alice, {"type": "join_chat"}), 409, 4004)
    assert snapshot() == before


def test_staff_claim_the_oldest_of_one_queue(horn, world):
    general = request_chat(horn, track(horn, world.acme.pk))
    billing = request_chat(horn, track(horn, world.acme.pk), queue="billing")
    claim = {"type": "join_chat", "event": {"queue": "billing"}}
    assert ok(send(horn, world.alice, claim))["chat"]["id"] == billing  # not the older general one
    before = snapshot()
    error(send(horn, world.bob, claim), 409, 4004, "event.queue")
    assert snapshot() == before
    assert ok(send(horn, world.bob, {"type": "join_chat", "event": {"queue": ""}}))["chat"]["id"] == general


def test_concurrent_claims_never_get_the_same_chat(horn, world, server):
    waiting = {request_chat(horn, track(horn, world.acme.pk)) for _ in range(3)}
    claimers = [world.alice, world.bob] * 3

    def claim(staff):
        with httpx.Client(base_url=server, timeout=20) as c:
            return send(c, staff, {"type": "join_chat", "event": {}})

    with ThreadPoolExecutor(6) as pool:
        responses = list(pool.map(claim, claimers))
    won = [r.json()["chat"]["id"] for r in responses if r.status_code == 200]
    assert sorted(won) == sorted(waiting)  # each chat claimed exactly once
    assert all(r.json()["code"] == 4004 for r in responses if r.status_code != 200)
    for chat in Chat.objects.all():
        assert chat.state == "active" and chat.owner_id is not None


def test_a_chat_accepted_by_several_at_once_gets_exactly_one_owner(horn, world, server):
    chat_id = request_chat(horn, track(horn, world.acme.pk))
    accepters = [world.alice, world.bob] * 4

    def accept(staff):
        with httpx.Client(base_url=server, timeout=20) as c:
            return send(c, staff, {"type": "join_chat", "chat": {"id": chat_id}})

    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(accept, accepters))
    assert all(r.status_code == 200 and r.json()["chat"]["id"] == chat_id for r in responses)
    row = Chat.objects.get(pk=chat_id)
    assert row.state == "active" and row.owner_id in (world.alice.sid, world.bob.sid)
    # Both are in the chat (seed 000: several agents may be), each joined once; one owns it.
    joins = Message.objects.filter(chat_id=chat_id, type="join_chat")
    assert sorted(joins.values_list("sender_id", flat=True)) == sorted([world.alice.sid, world.bob.sid])
    first = joins.order_by("seq").first().sender_id
    assert row.owner_id == first


def test_visitors_cannot_join(horn, world):
    visitor = track(horn, world.acme.pk)
    chat_id = request_chat(horn, visitor)
    intruder = track(horn, world.acme.pk)
    before = snapshot()
    error(send(horn, intruder, {"type": "join_chat", "chat": {"id": chat_id}}), 403, 2004, "type")
    assert snapshot() == before


def test_staff_cannot_join_another_orgs_chat(horn, world):
    chat_id = request_chat(horn, track(horn, world.acme.pk))
    before = snapshot()
    body = error(send(horn, world.charlie, {"type": "join_chat", "chat": {"id": chat_id}}), 404, 3001, "chat.id")
    missing = error(send(horn, world.charlie, {"type": "join_chat", "chat": {"id": "x" * 25}}), 404, 3001, "chat.id")
    assert body == missing  # another org's chat looks exactly like no chat
    error(send(horn, world.charlie, {"type": "join_chat"}), 409, 4004)  # Acme's queue is invisible
    assert snapshot() == before


# --- text, file, image ----------------------------------------------------------


def test_members_exchange_text_file_and_image(horn, world, chat):
    visitor, chat_id = chat
    staff_msg = ok(text(horn, world.alice, chat_id, "Hello, how can I help?"))
    visitor_msg = ok(text(horn, visitor, chat_id, "Hi! 👋 ünïcode"))
    pdf = ok(upload(horn, visitor, chat_id, "invoice.pdf", b"%PDF-1.4 " + b"x" * 1225))["file"]
    png = ok(upload(horn, world.alice, chat_id, "p.png", image_bytes("PNG", (64, 48))))["file"]
    f = ok(
        send(
            horn,
            visitor,
            {
                "type": "file",
                "chat": {"id": chat_id},
                # name and size are the upload's, whatever the client says
                "file": {"name": "other.exe", "src": pdf["src"], "size": 1},
            },
        )
    )
    img = ok(
        send(
            horn,
            world.alice,
            {
                "type": "image",
                "chat": {"id": chat_id},
                "image": {"src": png["src"], "width": 640, "height": 480, "size": 999},
            },
        )
    )
    rows = {m.mid: m for m in Message.objects.all()}
    assert rows[staff_msg["mid"]].body == {"text": "Hello, how can I help?"}
    assert (rows[visitor_msg["mid"]].sender_id, rows[visitor_msg["mid"]].body["text"]) == (
        visitor.uid,
        "Hi! 👋 ünïcode",
    )
    assert rows[f["mid"]].body["file"] == {"name": "invoice.pdf", "src": pdf["src"], "size": 1234}
    assert rows[img["mid"]].body["image"] == {"src": png["src"], "width": 64, "height": 48, "size": png["size"]}
    assert sorted(m.seq for m in rows.values()) == list(range(1, 7))


def test_a_non_member_cannot_post(horn, world, chat):
    _, chat_id = chat
    stranger = track(horn, world.acme.pk)
    before = snapshot()
    error(text(horn, stranger, chat_id, "let me in"), 403, 4002, "chat.id")
    error(text(horn, world.bob, chat_id, "not joined yet"), 403, 4002, "chat.id")
    assert snapshot() == before


def test_nobody_posts_into_an_ended_chat(horn, world, chat):
    visitor, chat_id = chat
    Chat.objects.filter(pk=chat_id).update(state=Chat.ENDED)
    before = snapshot()
    error(text(horn, visitor, chat_id, "hello?"), 409, 4001)
    error(text(horn, world.alice, chat_id, "hello?"), 409, 4001)
    error(send(horn, world.bob, {"type": "join_chat", "chat": {"id": chat_id}}), 409, 4001)
    assert snapshot() == before


def test_other_org_staff_cannot_post_into_a_chat(horn, world, chat):
    _, chat_id = chat
    before = snapshot()
    error(text(horn, world.charlie, chat_id, "hi"), 404, 3001, "chat.id")
    assert snapshot() == before


def test_the_sender_is_the_caller_not_the_body(horn, world, chat):
    visitor, chat_id = chat
    before = snapshot()
    error(
        send(horn, visitor, {"type": "text", "chat": {"id": chat_id}, "text": "x", "from": {"id": world.alice.sid}}),
        401,
        2002,
        "from.id",
    )
    error(
        send(horn, world.alice, {"type": "text", "chat": {"id": chat_id}, "text": "x", "from": {"id": visitor.uid}}),
        401,
        2002,
        "from.id",
    )
    error(
        send(horn, world.alice, {"type": "text", "chat": {"id": chat_id}, "text": "x", "from": {"role": "user"}}),
        403,
        2004,
        "from.role",
    )
    error(
        send(horn, world.alice, {"type": "text", "chat": {"id": chat_id}, "text": "x", "cid": world.globex.pk}),
        404,
        3001,
        "cid",
    )
    assert snapshot() == before


def test_it_requires_authentication(horn, world, chat):
    visitor, chat_id = chat
    before = snapshot()
    body = {"type": "text", "chat": {"id": chat_id}, "text": "x", "from": {"id": visitor.uid}}
    error(horn.post("/api/message", json=body), 401, 2001)
    error(horn.post("/api/message", json=body, headers={"X-Horn-Token": visitor.token[:-2] + "xx"}), 401, 2002)
    error(horn.post("/api/message", json=body, headers={"Authorization": "Token " + "0" * 40}), 401, 2002)
    error(horn.post("/api/message", json=body, headers={"Authorization": "Basic abc"}), 401, 2002)
    assert snapshot() == before


def test_visitor_calls_check_the_origin(horn, world, chat):
    visitor, chat_id = chat
    before = snapshot()
    r = text(horn, visitor, chat_id, "x", headers={"Origin": ORIGIN_B})
    error(r, 403, 2003, "Origin")
    assert snapshot() == before
    r = text(horn, visitor, chat_id, "x", headers={"Origin": ORIGIN_A})
    ok(r)
    assert r.headers["Access-Control-Allow-Origin"] == ORIGIN_A


# --- idempotency -----------------------------------------------------------------


def test_a_retry_returns_the_original_mid(horn, world, chat):
    visitor, chat_id = chat
    first = ok(text(horn, visitor, chat_id, "once", client_msg_id="c-1"))
    before = snapshot()
    assert ok(text(horn, visitor, chat_id, "once", client_msg_id="c-1"))["mid"] == first["mid"]
    assert snapshot() == before
    # the same key from another sender is another message
    assert ok(text(horn, world.alice, chat_id, "once", client_msg_id="c-1"))["mid"] != first["mid"]


def test_the_idempotency_key_header_works_too(horn, world, chat):
    _, chat_id = chat
    first = ok(text(horn, world.alice, chat_id, "hdr", headers={"Idempotency-Key": "k-9"}))
    assert ok(text(horn, world.alice, chat_id, "hdr", headers={"Idempotency-Key": "k-9"}))["mid"] == first["mid"]
    assert Message.objects.filter(client_msg_id="k-9").count() == 1
    error(text(horn, world.alice, chat_id, "hdr", client_msg_id="k-8", headers={"Idempotency-Key": "k-9"}), 400, 1004)


def test_a_key_reused_with_another_payload_is_refused(horn, world, chat):
    visitor, chat_id = chat
    ok(text(horn, visitor, chat_id, "first", client_msg_id="c-2"))
    before = snapshot()
    error(text(horn, visitor, chat_id, "second", client_msg_id="c-2"), 409, 4003, "client_msg_id")
    assert snapshot() == before


def test_parallel_retries_store_one_message(horn, world, chat, server):
    visitor, chat_id = chat

    def retry(_):
        with httpx.Client(base_url=server, timeout=20) as c:
            return ok(text(c, visitor, chat_id, "racing", client_msg_id="race-1"))

    with ThreadPoolExecutor(8) as pool:
        mids = {r["mid"] for r in pool.map(retry, range(8))}
    assert len(mids) == 1
    assert Message.objects.filter(client_msg_id="race-1").count() == 1


def test_concurrent_posts_each_get_their_own_outcome(horn, world, chat, server):
    """Posts racing into one org share transactions (group commit); each still gets its own answer."""
    visitor, chat_id = chat
    other = track(horn, world.acme.pk)
    other_chat = request_chat(horn, other)
    join(horn, world.bob, other_chat)
    ended = track(horn, world.acme.pk)
    ended_chat = request_chat(horn, ended)
    join(horn, world.alice, ended_chat)
    Chat.objects.filter(pk=ended_chat).update(state=Chat.ENDED)
    ok(text(horn, visitor, chat_id, "first", client_msg_id="k-conflict"))
    before_seq = OrgSequence.objects.get(org_id=world.acme.pk).seq

    # (who, chat, text, key, expected status, expected code)
    cases = []
    for i in range(8):
        cases.append((visitor, chat_id, f"v{i}", None, 200, 0))
        cases.append((world.bob, other_chat, f"b{i}", None, 200, 0))
        cases.append((world.bob, chat_id, f"intruder{i}", None, 403, 4002))
        cases.append((ended, ended_chat, f"late{i}", None, 409, 4001))
        cases.append((other, other_chat, "same", "k-dup", 200, 0))  # 8 retries of one post
    cases.append((visitor, chat_id, "changed", "k-conflict", 409, 4003))

    def post(case):
        who, cid, body, key, _, _ = case
        with httpx.Client(base_url=server, timeout=20) as c:
            return text(c, who, cid, body, **({"client_msg_id": key} if key else {}))

    with ThreadPoolExecutor(12) as pool:
        responses = list(pool.map(post, cases))
    for case, r in zip(cases, responses, strict=True):
        assert (r.status_code, r.json()["code"]) == case[4:], (case[2], r.text)

    dup_mids = {r.json()["mid"] for case, r in zip(cases, responses, strict=True) if case[3] == "k-dup"}
    assert len(dup_mids) == 1
    stored = Message.objects.filter(org_id=world.acme.pk, seq__gt=before_seq)
    assert sorted(m.body["text"] for m in stored) == sorted(
        [f"v{i}" for i in range(8)] + [f"b{i}" for i in range(8)] + ["same"]
    )
    seqs = sorted(stored.values_list("seq", flat=True))
    assert seqs == list(range(before_seq + 1, before_seq + 18))  # gapless
    assert OrgSequence.objects.get(org_id=world.acme.pk).seq == before_seq + 17


# --- bad input ----------------------------------------------------------------------

LONG = "x" * 10_001


@pytest.mark.parametrize(
    "body, code, field",
    [
        ({"chat": "C", "text": "hi"}, 1002, "type"),
        ({"type": "shout", "chat": "C", "text": "hi"}, 1006, "type"),
        ({"type": 5, "chat": "C", "text": "hi"}, 1006, "type"),
        ({"type": "text", "text": "hi"}, 1002, "chat"),
        ({"type": "text", "chat": "C"}, 1002, "text"),
        ({"type": "text", "chat": "C", "text": 42}, 1004, "text"),
        ({"type": "text", "chat": "C", "text": ""}, 1004, "text"),
        ({"type": "text", "chat": "C", "text": LONG}, 1005, "text"),
        ({"type": "text", "chat": "C", "text": "hi", "extra": 1}, 1003, "extra"),
        ({"type": "text", "chat": "C", "text": "hi", "mid": "b0a1qggeibm0k3lm1440"}, 1003, "mid"),
        ({"type": "text", "chat": {"id": "short"}, "text": "hi"}, 1007, "chat.id"),
        ({"type": "text", "chat": {"id": 7}, "text": "hi"}, 1004, "chat.id"),
        ({"type": "text", "chat": "not-an-object", "text": "hi"}, 1004, "chat"),
        ({"type": "text", "chat": {"id": "C", "x": 1}, "text": "hi"}, 1003, "chat.x"),
        ({"type": "text", "chat": "C", "text": "hi", "cid": "acme"}, 1004, "cid"),
        ({"type": "text", "chat": "C", "text": "hi", "from": {"id": "nope"}}, 1007, "from.id"),
        ({"type": "text", "chat": "C", "text": "hi", "from": {"role": "admin"}}, 1004, "from.role"),
        ({"type": "text", "chat": "C", "text": "hi", "client_msg_id": "has space"}, 1004, "client_msg_id"),
        ({"type": "file", "chat": "C"}, 1002, "file"),
        ({"type": "file", "chat": "C", "file": {"name": "a", "src": "ftp://x/a", "size": 1}}, 1004, "file.src"),
        ({"type": "file", "chat": "C", "file": {"name": "a", "src": "https://x/a", "size": -1}}, 1004, "file.size"),
        ({"type": "file", "chat": "C", "file": {"name": "a", "src": "https://x/a", "size": "1"}}, 1004, "file.size"),
        ({"type": "file", "chat": "C", "file": {"name": "a", "size": 1}}, 1002, "file.src"),
        ({"type": "file", "chat": "C", "file": {"src": "https://x/a", "size": 1}}, 1004, "file.src"),
        (
            {"type": "image", "chat": "C", "image": {"src": "https://x/a.png", "width": 0, "height": 1, "size": 1}},
            1004,
            "image.width",
        ),
        (
            {"type": "image", "chat": "C", "image": {"width": 1, "height": 1}},
            1002,
            "image.src",
        ),
        ({"type": "join_chat", "event": {"chat": {"id": "bad"}}}, 1007, "event.chat.id"),
        ({"type": "request_chat", "event": {"uids": ["bad"]}}, 1007, "event.uids.0"),
        ({"type": "request_chat", "event": {"uids": "notalist"}}, 1004, "event.uids"),
        ({"type": "request_chat", "event": {"other": 1}}, 1003, "event.other"),
    ],
)
def test_it_refuses_bad_input(horn, world, chat, body, code, field):
    visitor, chat_id = chat
    if body.get("chat") == "C":
        body["chat"] = {"id": chat_id}
    elif isinstance(body.get("chat"), dict) and body["chat"].get("id") == "C":
        body["chat"]["id"] = chat_id
    sender = visitor if body.get("type") == "request_chat" else world.alice
    before = snapshot()
    error(send(horn, sender, body), 400, code, field)
    assert snapshot() == before


def test_the_sequence_is_per_org(horn, world, chat):
    request_chat(horn, track(horn, world.globex.pk))
    assert dict(OrgSequence.objects.values_list("org_id", "seq")) == {world.acme.pk: 2, world.globex.pk: 1}
