"""GET /api/state/init: the state a client starts from, per caller, with a consistent version."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts.auth import Caller
from apps.chats.models import Chat
from apps.chats.selectors import load_state
from tests.helpers import error, join, ok, request_chat, text, track


def init(client, who, **params):
    return client.get("/api/state/init", params={"uid": who.uid, **params}, headers=who.auth)


def test_a_visitor_gets_its_chat_with_history_in_order(horn, world):
    visitor = track(horn, world.acme.pk)
    chat_id = request_chat(horn, visitor)
    join(horn, world.alice, chat_id)
    ok(text(horn, world.alice, chat_id, "Hello"))
    ok(text(horn, visitor, chat_id, "Hi"))
    data = ok(init(horn, visitor, track_id=visitor.track_id, fp="fp-1"))
    assert data["uid"] == visitor.uid and data["track_id"] == visitor.track_id and data["addr"]
    (chat,) = data["state"]["chats"]
    assert (chat["id"], chat["state"], chat["staff_id"], chat["user_num"], chat["creator"]) == (
        chat_id,
        "active",
        world.alice.sid,
        "2",
        visitor.uid,
    )
    msgs = chat["msgs"]
    assert [m["type"] for m in msgs] == ["request_chat", "join_chat", "text", "text"]
    assert [m.get("text") for m in msgs[2:]] == ["Hello", "Hi"]
    assert [int(m["version"]) for m in msgs] == [1, 2, 3, 4]
    assert data["state"]["version"] == "4"
    first = msgs[0]
    assert first["cid"] == world.acme.pk and first["chat"] == {"id": chat_id} and first["from"]["role"] == "user"
    assert isinstance(first["t"]["t0"], int) and len(first["mid"]) == 20
    assert "queue" not in data["state"]


def test_staff_get_their_chats_and_the_queue(horn, world):
    mine = request_chat(horn, track(horn, world.acme.pk))
    waiting = request_chat(horn, track(horn, world.acme.pk))
    request_chat(horn, track(horn, world.globex.pk))
    join(horn, world.alice, mine)
    data = ok(init(horn, world.alice))
    assert [c["id"] for c in data["state"]["chats"]] == [mine]
    assert [q["id"] for q in data["state"]["queue"]] == [waiting]
    bob = ok(init(horn, world.bob))["state"]
    assert bob["chats"] == [] and [q["id"] for q in bob["queue"]] == [waiting]
    charlie = ok(init(horn, world.charlie))["state"]
    assert charlie["chats"] == [] and len(charlie["queue"]) == 1 and charlie["queue"][0]["id"] not in (mine, waiting)
    assert charlie["version"] == "1"


def test_a_staff_session_works_without_uid(horn, world):
    ok(horn.get("/api/state/init", headers=world.alice.auth))


def test_ended_chats_are_not_in_the_state(horn, world):
    visitor = track(horn, world.acme.pk)
    chat_id = request_chat(horn, visitor)
    Chat.objects.filter(pk=chat_id).update(state=Chat.ENDED)
    assert ok(init(horn, visitor))["state"]["chats"] == []


@pytest.mark.parametrize(
    "params, status, code, field",
    [
        ({"uid": "short"}, 400, 1007, "uid"),
        ({"track_id": "2016"}, 400, 1007, "track_id"),
        ({"fp": "f" * 300}, 400, 1004, "fp"),
    ],
)
def test_it_refuses_bad_params(horn, world, params, status, code, field):
    visitor = track(horn, world.acme.pk)
    error(horn.get("/api/state/init", params=params, headers=visitor.auth), status, code, field)


def test_it_refuses_someone_elses_uid_and_no_token(horn, world):
    visitor = track(horn, world.acme.pk)
    other = track(horn, world.acme.pk)
    error(horn.get("/api/state/init", params={"uid": other.uid}, headers=visitor.auth), 401, 2002, "uid")
    error(horn.get("/api/state/init", params={"uid": visitor.uid}), 401, 2001)
    error(horn.get("/api/state/init", params={"uid": world.alice.sid}, headers=world.bob.auth), 401, 2002, "uid")


def test_query_count_is_constant_as_history_grows(horn, world):
    visitor = track(horn, world.acme.pk)
    chat_id = request_chat(horn, visitor)
    join(horn, world.alice, chat_id)
    caller = Caller(world.alice.sid, "staff", world.acme.pk, "Alice")

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            load_state(caller)
        return len(ctx.captured_queries)

    small = queries()
    for i in range(30):
        ok(text(horn, visitor, chat_id, f"m{i}"))
    for _ in range(3):
        join(horn, world.alice, request_chat(horn, track(horn, world.acme.pk)))
    assert queries() == small


def test_init_holds_the_latest_messages_and_history_pages_back(horn, world, chat, settings):
    settings.HORN_INIT_HISTORY = 5
    visitor, chat_id = chat
    for i in range(12):
        ok(text(horn, visitor if i % 2 else world.alice, chat_id, f"m{i}"))
    (row,) = ok(init(horn, visitor))["state"]["chats"]
    assert [m["text"] for m in row["msgs"]] == ["m7", "m8", "m9", "m10", "m11"] and row["has_more"] is True

    pages, before = [row["msgs"]], row["msgs"][0]["version"]
    while True:
        page = ok(history(horn, visitor, chat=chat_id, before=before, limit=5))
        assert page["chat"] == {"id": chat_id} and len(page["msgs"]) <= 5
        pages.insert(0, page["msgs"])
        if not page["has_more"]:
            break
        before = page["msgs"][0]["version"]
    everything = [m for p in pages for m in p]
    assert [m["type"] for m in everything[:2]] == ["request_chat", "join_chat"]
    assert [m["text"] for m in everything[2:]] == [f"m{i}" for i in range(12)]
    assert [int(m["version"]) for m in everything] == sorted(int(m["version"]) for m in everything)
    # Without `before`: the latest page; staff members read it too.
    latest = ok(history(horn, world.alice, chat=chat_id, limit=3))
    assert [m["text"] for m in latest["msgs"]] == ["m9", "m10", "m11"] and latest["has_more"] is True


def test_a_short_chat_has_no_more(horn, world, chat):
    visitor, _ = chat
    (row,) = ok(init(horn, visitor))["state"]["chats"]
    assert row["has_more"] is False and len(row["msgs"]) == 2


def history(client, who, **params):
    return client.get("/api/chat/history", params=params, headers=who.auth)


@pytest.mark.parametrize(
    "params, status, code, field",
    [
        ({"chat": ""}, 400, 1002, "chat"),
        ({"chat": "nope"}, 400, 1007, "chat"),
        ({"before": "x1"}, 400, 1007, "before"),
        ({"limit": "0"}, 400, 1004, "limit"),
        ({"limit": "201"}, 400, 1004, "limit"),
        ({"limit": "-3"}, 400, 1004, "limit"),
    ],
)
def test_history_refuses_bad_params(horn, world, chat, params, status, code, field):
    visitor, chat_id = chat
    error(history(horn, visitor, **{"chat": chat_id, **params}), status, code, field)


def test_history_is_for_members_of_the_callers_org(horn, world, chat):
    visitor, chat_id = chat
    stranger = track(horn, world.acme.pk)
    error(history(horn, stranger, chat=chat_id), 404, 3001, "chat")
    error(history(horn, world.bob, chat=chat_id), 404, 3001, "chat")  # same org, not in the chat
    error(history(horn, world.charlie, chat=chat_id), 404, 3001, "chat")  # another org
    error(horn.get("/api/chat/history", params={"chat": chat_id}), 401, 2001)
    error(horn.post("/api/chat/history", params={"chat": chat_id}, headers=visitor.auth), 405, 1008)
