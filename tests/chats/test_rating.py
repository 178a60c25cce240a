"""rate over the real API and /ws: once per chat, after agent_done or the end, seen by staff."""

import json
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from apps.chats.models import Chat, Message
from tests.helpers import error, join, ok, request_chat, send, snapshot, track
from tests.realtime.wsclient import events, frames, open_ws


def rate(client, who, chat_id: str, headers: dict | None = None, **event):
    body = {"type": "rate", "chat": {"id": chat_id}, "event": event}
    if hasattr(who, "track_id"):
        body["from"] = {"id": who.uid}
    return send(client, who, body, headers=headers or {})


def init(client, who) -> dict:
    return ok(client.get("/api/state/init", params={"uid": who.uid}, headers=who.auth))["state"]


def history(client, who, chat_id: str) -> dict:
    return ok(client.get("/api/chat/history", params={"chat": chat_id}, headers=who.auth))


def ratings() -> tuple:
    """Every chat's rating: a refused rate must leave them as they were."""
    return tuple(Chat.objects.order_by("pk").values_list("pk", "rating", "rating_comment", "rated_at"))


def test_a_visitor_rates_after_agent_done_and_staff_who_left_are_told(horn, world, server, chat):
    visitor, chat_id = chat
    ok(send(horn, world.alice, {"type": "agent_done", "chat": {"id": chat_id}}))  # Alice leaves the chat
    version = init(horn, visitor)["version"]
    with open_ws(server, world.alice) as alice_ws, open_ws(server, visitor, version=version) as tab2:
        time.sleep(0.2)  # alice connected "from now": let her subscription settle
        mid = ok(rate(horn, visitor, chat_id, score=5, comment="Quick and kind"))["mid"]
        for ws in (alice_ws, tab2):
            (got,) = events(frames(ws))
            assert got["mid"] == mid
    # The event's shape (the event-schema test of `rate`).
    assert got["type"] == "rate" and got["chat"] == {"id": chat_id}
    assert got["from"] == {"id": visitor.uid, "name": "", "role": "user"}
    assert got["event"] == {"chat": {"id": chat_id}, "score": 5, "comment": "Quick and kind"}
    row = Chat.objects.get(pk=chat_id)
    assert (row.rating, row.rating_comment, row.state) == (5, "Quick and kind", "agent_done")

    # Staff see it at start-up and in history; so does the visitor, on its chat.
    (listed,) = init(horn, world.alice)["ratings"]
    assert listed["chat"] == {"id": chat_id} and listed["creator"] == visitor.uid
    assert (listed["score"], listed["comment"], listed["state"]) == (5, "Quick and kind", "agent_done")
    page = history(horn, world.alice, chat_id)
    assert page["chat"]["rating"] == {"score": 5, "comment": "Quick and kind", "at": listed["at"]}
    assert page["msgs"][-1]["type"] == "rate" and page["msgs"][-1]["mid"] == mid
    assert init(horn, visitor)["chats"][0]["rating"]["score"] == 5
    assert init(horn, world.bob)["ratings"] == []  # Bob was never in the chat


def test_a_visitor_rates_an_ended_chat(horn, world, server, chat):
    visitor, chat_id = chat
    ok(send(horn, world.alice, {"type": "end_chat", "chat": {"id": chat_id}}))
    with open_ws(server, world.alice) as alice_ws:
        time.sleep(0.2)
        mid = ok(rate(horn, visitor, chat_id, score=2))["mid"]
        (got,) = events(frames(alice_ws))
    assert got["mid"] == mid and got["event"] == {"chat": {"id": chat_id}, "score": 2}  # no comment: none sent
    assert Chat.objects.get(pk=chat_id).rating == 2
    (past,) = init(horn, visitor)["past_chats"]
    assert past["id"] == chat_id and past["rating"]["score"] == 2 and past["rating"]["comment"] == ""
    assert [r["chat"]["id"] for r in init(horn, world.alice)["ratings"]] == [chat_id]
    assert [m["type"] for m in history(horn, world.alice, chat_id)["msgs"]][-2:] == ["end_chat", "rate"]


def test_a_visitor_rates_over_the_websocket(horn, world, server, chat):
    visitor, chat_id = chat
    ok(send(horn, visitor, {"type": "end_chat", "chat": {"id": chat_id}, "from": {"id": visitor.uid}}))
    with open_ws(server, visitor, version=init(horn, visitor)["version"]) as ws:
        ws.send(json.dumps({"type": "rate", "chat": {"id": chat_id}, "event": {"score": 4}, "ref": "r-1"}))
        ws.send(json.dumps({"type": "rate", "chat": {"id": chat_id}, "event": {"score": 3}, "ref": "r-2"}))
        got = frames(ws)
    replies = {f["ref"]: f for f in got if "ref" in f}
    assert replies["r-1"]["code"] == 0 and replies["r-1"]["mid"]
    assert (replies["r-2"]["code"], replies["r-2"]["field"]) == (4005, "chat.id")
    assert [e["event"]["score"] for e in events(got)] == [4]


def test_a_chat_still_going_cannot_be_rated(horn, world):
    visitor = track(horn, world.acme.pk)
    chat_id = request_chat(horn, visitor)
    before, rated = snapshot(), ratings()
    error(rate(horn, visitor, chat_id, score=5), 409, 4006, "chat.id")  # requested
    join(horn, world.alice, chat_id)
    before, rated = snapshot(), ratings()
    error(rate(horn, visitor, chat_id, score=5), 409, 4006, "chat.id")  # active
    assert snapshot() == before and ratings() == rated


def test_a_chat_is_rated_once(horn, world, chat):
    visitor, chat_id = chat
    ok(send(horn, world.alice, {"type": "agent_done", "chat": {"id": chat_id}}))
    ok(rate(horn, visitor, chat_id, score=4))
    before, rated = snapshot(), ratings()
    error(rate(horn, visitor, chat_id, score=1, comment="changed my mind"), 409, 4005, "chat.id")
    ok(send(horn, visitor, {"type": "text", "chat": {"id": chat_id}, "text": "one more thing"}))  # back in line
    error(rate(horn, visitor, chat_id, score=1), 409, 4005, "chat.id")
    assert ratings() == rated and Message.objects.filter(type="rate").count() == 1
    assert snapshot()[0:2] == before[0:2]


def test_a_retry_with_the_same_key_returns_the_rating_it_stored(horn, world, chat):
    visitor, chat_id = chat
    ok(send(horn, world.alice, {"type": "end_chat", "chat": {"id": chat_id}}))
    first = ok(rate(horn, visitor, chat_id, score=5, headers={"Idempotency-Key": "rate-1"}))
    again = ok(rate(horn, visitor, chat_id, score=5, headers={"Idempotency-Key": "rate-1"}))
    assert first["mid"] == again["mid"] and Message.objects.filter(type="rate").count() == 1


@pytest.mark.parametrize(
    "event, code, field",
    [
        ({"score": 0}, 1004, "event.score"),
        ({"score": 6}, 1004, "event.score"),
        ({"score": -1}, 1004, "event.score"),
        ({"score": 4.5}, 1004, "event.score"),
        ({"score": 4.0}, 1004, "event.score"),
        ({"score": "5"}, 1004, "event.score"),
        ({"score": True}, 1004, "event.score"),
        ({"score": None}, 1004, "event.score"),
        ({}, 1002, "event.score"),
        ({"score": 5, "comment": "c" * 1001}, 1005, "event.comment"),
        ({"score": 5, "comment": 5}, 1004, "event.comment"),
        ({"score": 5, "stars": 5}, 1003, "event.stars"),
    ],
)
def test_bad_ratings_are_refused(horn, world, chat, event, code, field):
    visitor, chat_id = chat
    ok(send(horn, world.alice, {"type": "agent_done", "chat": {"id": chat_id}}))
    before, rated = snapshot(), ratings()
    error(rate(horn, visitor, chat_id, **event), 400, code, field)
    assert snapshot() == before and ratings() == rated


def test_only_the_chats_visitor_rates_it(horn, world, bot, chat):
    visitor, chat_id = chat
    ok(send(horn, world.alice, {"type": "end_chat", "chat": {"id": chat_id}}))
    stranger = track(horn, world.acme.pk)
    before, rated = snapshot(), ratings()
    error(rate(horn, world.alice, chat_id, score=5), 403, 2004, "type")  # staff do not rate themselves
    error(rate(horn, bot, chat_id, score=5), 403, 2004, "type")
    error(rate(horn, stranger, chat_id, score=1), 403, 4002, "chat.id")
    assert snapshot() == before and ratings() == rated


def test_another_orgs_chat_cannot_be_rated(horn, world, chat):
    visitor, chat_id = chat
    ok(send(horn, world.alice, {"type": "end_chat", "chat": {"id": chat_id}}))
    outsider = track(horn, world.globex.pk)
    before, rated = snapshot(), ratings()
    error(rate(horn, outsider, chat_id, score=1), 404, 3001, "chat.id")
    error(rate(horn, outsider, "c" * 25, score=1), 404, 3001, "chat.id")  # the same answer as no such chat
    assert snapshot() == before and ratings() == rated
    assert init(horn, world.charlie)["ratings"] == []


def test_ratings_sent_at_once_from_several_tabs_store_one(horn, world, server, chat):
    visitor, chat_id = chat
    ok(send(horn, world.alice, {"type": "agent_done", "chat": {"id": chat_id}}))

    def one(score: int):
        with httpx.Client(base_url=server, timeout=20) as client:
            return rate(client, visitor, chat_id, score=score)

    with ThreadPoolExecutor(5) as pool:
        answers = list(pool.map(one, range(1, 6)))
    assert sorted(r.status_code for r in answers) == [200, 409, 409, 409, 409]
    for refused in (r for r in answers if r.status_code == 409):
        error(refused, 409, 4005, "chat.id")
    (stored,) = Message.objects.filter(type="rate")
    assert Chat.objects.get(pk=chat_id).rating == stored.body["event"]["score"]
