"""viewing (collision detection): pushed to the org's other staff, never to the visitor, never stored."""

from __future__ import annotations

import time

from apps.chats.models import Message
from tests.helpers import error, ok, send
from tests.realtime.test_push import init_version
from tests.realtime.wsclient import frames, open_ws


def viewing(horn, staff, chat_id: str, on: bool):
    return send(horn, staff, {"type": "viewing", "chat": {"id": chat_id}, "event": {"on": on}})


def test_colleagues_see_who_views_a_chat_and_the_visitor_never_does(horn, world, server, chat, no_leaked_subscriptions):
    visitor, chat_id = chat
    stored = Message.objects.count()
    with (
        open_ws(server, world.bob) as bws,
        open_ws(server, world.alice) as aws,
        open_ws(server, visitor, version=init_version(horn, visitor)) as vws,
        open_ws(server, world.charlie) as cws,
    ):
        time.sleep(0.2)
        assert ok(viewing(horn, world.alice, chat_id, True))["mid"] == ""
        ok(viewing(horn, world.alice, chat_id, False))
        got = [f for f in frames(bws) if f.get("type") == "viewing"]
        assert [(f["from"]["id"], f["from"]["name"], f["chat"]["id"], f["event"]) for f in got] == [
            (world.alice.sid, "Alice", chat_id, {"on": True}),
            (world.alice.sid, "Alice", chat_id, {"on": False}),
        ]
        assert "version" not in got[0] and "mid" not in got[0]
        for ws in (aws, vws, cws):  # not echoed, never to the visitor, nothing to another org
            assert [f for f in frames(ws, quiet=0.2) if f.get("type") == "viewing"] == []
    assert Message.objects.count() == stored


def test_viewing_a_chat_of_another_org_is_not_found(horn, world, chat):
    _, chat_id = chat
    error(viewing(horn, world.charlie, chat_id, True), 404, 3001, "chat.id")
    error(viewing(horn, world.alice, "T5O64WBnAPTjaAsr7cliGhtFL", True), 404, 3001, "chat.id")


def test_only_staff_send_viewing(horn, world, chat, bot):
    visitor, chat_id = chat
    error(viewing(horn, visitor, chat_id, True), 403, 2004, "type")
    error(viewing(horn, bot, chat_id, True), 403, 2004, "type")
    body = {"type": "viewing", "chat": {"id": chat_id}, "event": {"on": "yes"}}
    r = send(horn, world.alice, body)
    assert r.status_code == 400 and r.json()["field"] == "event.on"
    r = send(horn, world.alice, {"type": "viewing", "chat": {"id": chat_id}, "event": {}})
    assert r.status_code == 400 and r.json()["field"] == "event.on"
