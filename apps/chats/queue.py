"""Queue positions: every waiting visitor is told where they are (`queue_number`) whenever the queue changes.

Positions count within the chat's queue (department), FIFO by `waiting_since`,
1 = next. They are transient pushes; `state/init` carries the current one.
"""

from __future__ import annotations

import time

from apps.core.db import db
from apps.realtime.events import Event, Transient
from apps.realtime.publish import publish_transient

from .models import Chat

SYSTEM = {"id": "system", "name": "", "role": "system"}


def positions(org_id: int) -> list[tuple[str, str, int]]:
    """(chat id, visitor uid, position) of every waiting chat of the org.

    Offline chats (opened while the platform was closed) hold their place in
    the queue, but their visitors were told to leave a message, not to wait:
    they get no position.
    """
    out, seen = [], {}
    waiting = Chat.objects.filter(org_id=org_id, state=Chat.REQUESTED).order_by("waiting_since", "created_at")
    for chat_id, creator, queue, offline in waiting.values_list("pk", "creator_id", "queue", "offline"):
        seen[queue] = seen.get(queue, 0) + 1
        if not offline:
            out.append((chat_id, creator, seen[queue]))
    return out


async def announce_if_changed(events: list[Event]) -> None:
    """After events that change an org's queue (they go to all staff), tell its waiting visitors their place."""
    for org_id in {e.org_id for e in events if e.to_staff}:
        now = int(time.time())
        for chat_id, uid, position in await db(positions, org_id):
            payload = {
                "cid": org_id,
                "type": "queue_number",
                "from": SYSTEM,
                "chat": {"id": chat_id},
                "t": {"t0": now},
                "event": {"position": position},
            }
            await publish_transient(Transient(org_id, payload, payload, ((uid, "user"),), "system"))
