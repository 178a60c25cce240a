"""Presence that follows the console: an agent whose connections all close goes offline after the grace
period, and their chats go back to the front of the queue (or stay, per org)."""

from __future__ import annotations

import json
import time

from apps.accounts import orgs
from apps.accounts.models import Organisation
from apps.chats.models import Chat, ChatMember
from tests.helpers import error, join, ok, request_chat, track
from tests.realtime.wsclient import frames, open_ws


def went_offline(who):
    return lambda fs: any(
        f.get("type") == "presence" and f["event"].get("uid") == who.sid and f["event"].get("online") is False
        for f in fs
    )


def test_closing_every_console_puts_the_agents_chats_first_in_line(horn, world, server, settings, chat):
    settings.HORN_HEARTBEAT_INTERVAL = 1  # presence expires after ~1.5 s instead of ~55 s
    visitor, chat_id = chat
    waiting = request_chat(horn, track(horn, world.acme.pk))  # already waiting: the requeued chat goes before it
    with open_ws(server, world.bob) as bws:
        with open_ws(server, world.alice), open_ws(server, world.alice):  # two tabs
            frames(bws, quiet=0.3)
        got = frames(bws, quiet=10, until=went_offline(world.alice))
        assert went_offline(world.alice)(got)
        got += frames(bws, quiet=0.5)
    back = [f for f in got if f.get("type") == "transfer" and f["chat"]["id"] == chat_id]
    assert [(f["from"]["id"], f["event"]["to"]) for f in back] == [(world.alice.sid, {"queue": ""})]
    row = Chat.objects.get(pk=chat_id)
    assert (row.state, row.owner_id) == (Chat.REQUESTED, None)
    assert row.waiting_since < Chat.objects.get(pk=waiting).waiting_since
    assert not ChatMember.objects.filter(chat_id=chat_id, uid=world.alice.sid, left_at__isnull=True).exists()
    queue = ok(horn.get("/api/state/init", headers=world.bob.auth))["state"]["queue"]
    assert [q["id"] for q in queue] == [chat_id, waiting]


def test_an_agent_who_leaves_colleagues_in_the_chat_only_leaves(horn, world, server, settings, chat):
    settings.HORN_HEARTBEAT_INTERVAL = 1
    _, chat_id = chat
    join(horn, world.bob, chat_id)
    with open_ws(server, world.bob) as bws:
        with open_ws(server, world.alice):
            frames(bws, quiet=0.3)
        got = frames(bws, quiet=10, until=went_offline(world.alice))
        got += frames(bws, quiet=0.5)
    row = Chat.objects.get(pk=chat_id)
    assert (row.state, row.owner_id) == (Chat.ACTIVE, world.bob.sid)
    gone = [f for f in got if f.get("type") == "leave_chat"]
    assert [(f["from"]["id"], f["chat"]["id"]) for f in gone] == [(world.alice.sid, chat_id)]


def test_an_org_that_keeps_chats_with_the_agent_keeps_them(horn, world, server, settings, chat):
    settings.HORN_HEARTBEAT_INTERVAL = 1
    Organisation.objects.filter(pk=world.acme.pk).update(offline_chats=Organisation.KEEP)
    _, chat_id = chat
    with open_ws(server, world.bob) as bws:
        with open_ws(server, world.alice):
            frames(bws, quiet=0.3)
        got = frames(bws, quiet=10, until=went_offline(world.alice))
        assert went_offline(world.alice)(got)
        time.sleep(0.3)  # the hook runs right after the notice: give it the time it would take
    row = Chat.objects.get(pk=chat_id)
    assert (row.state, row.owner_id) == (Chat.ACTIVE, world.alice.sid)


def test_a_lapsed_heartbeat_counts_like_a_closed_tab_and_other_orgs_are_untouched(horn, world, server, settings, chat):
    settings.HORN_HEARTBEAT_INTERVAL = 1
    _, chat_id = chat
    other = track(horn, world.globex.pk)
    theirs = request_chat(horn, other)
    join(horn, world.charlie, theirs)
    ok(horn.get("/api/ping", headers=world.charlie.auth))  # Charlie pinged once and stays connected
    with open_ws(server, world.charlie):
        ok(horn.get("/api/ping", headers=world.alice.auth))  # Alice pinged once, then nothing more
        with open_ws(server, world.bob) as bws:
            frames(bws, quiet=10, until=went_offline(world.alice))
            frames(bws, quiet=0.5)
        assert Chat.objects.get(pk=chat_id).state == Chat.REQUESTED
        assert Chat.objects.get(pk=theirs).state == Chat.ACTIVE


def online_staff(horn, who) -> set[str]:
    return {row["uid"] for row in ok(horn.get("/api/staff/online", headers=who.auth))["data"]}


def test_a_page_that_only_watches_never_makes_its_staff_member_available(horn, world, server, settings):
    """The admin's live page connects with presence=0: its socket, pings and long-polls leave its owner
    offline, so automatic assignment gives them nothing; the console's own connection counts."""
    settings.HORN_HEARTBEAT_INTERVAL = 1  # node beats every 0.5 s: a counted connection would show at once
    settings.HORN_PULL_TIMEOUT = 0.2
    Organisation.objects.filter(pk=world.acme.pk).update(auto_assign=True)
    orgs.forget_all()
    with open_ws(server, world.alice, presence="0") as ws:
        ok(horn.get("/api/ping", params={"presence": "0"}, headers=world.alice.auth))
        ok(horn.get("/pull", params={"presence": "0"}, headers=world.alice.auth))
        ws.send(json.dumps({"type": "ping", "ref": "p"}))
        assert any(f.get("ref") == "p" and f["code"] == 0 for f in frames(ws, quiet=1.2))  # a few node beats
        assert world.alice.sid not in online_staff(horn, world.bob)
        chat_id = request_chat(horn, track(horn, world.acme.pk))
        assert Chat.objects.values_list("state", "owner_id").get(pk=chat_id) == (Chat.REQUESTED, None)
        with open_ws(server, world.alice):  # her console, beside the live page
            frames(ws, quiet=0.5)
            assert world.alice.sid in online_staff(horn, world.bob)


def test_presence_is_0_or_1(horn, world, server):
    error(horn.get("/api/ping", params={"presence": "no"}, headers=world.alice.auth), 400, 1004, "presence")
    error(horn.get("/pull", params={"presence": "2"}, headers=world.alice.auth), 400, 1004, "presence")
