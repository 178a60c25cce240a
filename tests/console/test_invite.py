"""invite: a member of a chat asks a colleague to join; only that colleague is told, nothing is stored."""

from __future__ import annotations

import time

from apps.chats.models import ChatMember, Message
from tests.helpers import error, join, ok, send
from tests.realtime.wsclient import frames, open_ws


def invite(horn, staff, chat_id: str, sid: str):
    return send(horn, staff, {"type": "invite", "chat": {"id": chat_id}, "event": {"staff": sid}})


def test_the_invited_colleague_alone_is_told_and_joins_by_accepting(horn, world, server, chat, no_leaked_subscriptions):
    visitor, chat_id = chat
    stored = Message.objects.count()
    with open_ws(server, world.bob) as bws, open_ws(server, visitor) as vws, open_ws(server, world.charlie) as cws:
        time.sleep(0.2)
        assert ok(invite(horn, world.alice, chat_id, world.bob.sid))["mid"] == ""
        got = [f for f in frames(bws) if f.get("type") == "invite"]
        assert [(f["from"]["name"], f["chat"]["id"], f["event"]) for f in got] == [
            ("Alice", chat_id, {"staff": world.bob.sid, "name": "Bob"})
        ]
        for ws in (vws, cws):
            assert [f for f in frames(ws, quiet=0.2) if f.get("type") == "invite"] == []
    assert Message.objects.count() == stored
    join(horn, world.bob, chat_id)  # accepting is an ordinary join
    assert ChatMember.objects.filter(chat_id=chat_id, left_at__isnull=True).count() == 3


def test_bad_invitations_are_refused(horn, world, chat):
    visitor, chat_id = chat
    error(invite(horn, world.alice, chat_id, world.charlie.sid), 404, 3001, "event.staff")  # another org's
    error(invite(horn, world.alice, chat_id, world.alice.sid), 400, 1004, "event.staff")  # already in it
    error(invite(horn, world.bob, chat_id, world.alice.sid), 403, 4002)  # only members invite
    error(invite(horn, world.charlie, chat_id, world.alice.sid), 404, 3001, "chat.id")  # another org's chat
    error(invite(horn, visitor, chat_id, world.bob.sid), 403, 2004, "type")
    r = invite(horn, world.alice, chat_id, "not-a-staff-id")
    assert r.status_code == 400 and r.json()["field"] == "event.staff"


def test_staff_list_their_orgs_active_bots_without_keys(horn, world, bot):
    from apps.accounts.actions import create_bot
    from apps.accounts.models import Bot

    retired, _ = create_bot(org=world.acme, name="Retired")
    Bot.objects.filter(pk=retired.pk).update(is_active=False)
    create_bot(org=world.globex, name="Globex bot")
    assert ok(horn.get("/api/bots", headers=world.alice.auth))["data"] == [{"id": bot.uid, "name": "Helper"}]
    assert [b["name"] for b in ok(horn.get("/api/bots", headers=world.charlie.auth))["data"]] == ["Globex bot"]
    error(horn.get("/api/bots", params={"cid": world.globex.pk}, headers=world.alice.auth), 404, 3001, "cid")
    error(horn.get("/api/bots", headers=bot.auth), 403, 2004)
