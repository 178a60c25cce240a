"""An org's own presence grace (Organisation.presence_grace): how long an agent may be silent before presence
counts them gone (and `offline_chats` applies), instead of the server's two heartbeat intervals."""

from __future__ import annotations

import time

from asgiref.sync import async_to_sync

from apps.chats.models import Chat
from apps.realtime import presence
from tests.conftest import _sync_redis
from tests.helpers import join, ok, request_chat, track


def silent_for(staff, seconds: float) -> None:
    """The staff member's last ping was `seconds` ago."""
    _sync_redis().zadd(presence.key(staff.org_id, "staff"), {staff.sid: time.time() - seconds})


def online(horn, staff) -> list[str]:
    return [row["uid"] for row in ok(horn.get("/api/staff/online", headers=staff.auth))["data"]]


def test_a_longer_grace_keeps_a_silent_agent_and_their_chats(horn, world, settings):
    settings.HORN_HEARTBEAT_INTERVAL = 30  # the server's grace: 60 s
    ok(horn.patch("/api/org/settings", json={"presence_grace": 600}, headers=world.alice.auth))
    chat_id = request_chat(horn, track(horn, world.acme.pk))
    join(horn, world.bob, chat_id)
    ok(horn.get("/api/ping", headers=world.charlie.auth))
    silent_for(world.bob, 120)  # past the server's grace, within Acme's
    silent_for(world.charlie, 120)  # Globex kept the server's
    async_to_sync(presence.sweep)()
    assert world.bob.sid in online(horn, world.alice)
    assert online(horn, world.charlie) == []
    assert Chat.objects.get(pk=chat_id).owner_id == world.bob.sid

    silent_for(world.bob, 700)  # past Acme's grace too: gone, and the chat goes back to the queue
    async_to_sync(presence.sweep)()
    assert world.bob.sid not in online(horn, world.alice)
    row = Chat.objects.get(pk=chat_id)
    assert (row.state, row.owner_id) == (Chat.REQUESTED, None)
