"""Starting a push subscription (websocket or long-poll): authenticate, attach, replay.

Order matters (as in Zulip's event queues): attach to the hub first, so live
events start queueing, then read what was missed from the DB, then merge, so
nothing committed in between falls through the crack.
"""

from __future__ import annotations

from apps.accounts.auth import Caller
from apps.core.db import db
from apps.core.errors import BadId, HornError

from .hub import Subscriber, hub, max_queue
from .replay import CursorGone, missed


class ReinitRequired(HornError):
    code, status, default_msg = 4010, 409, "this cursor can no longer be replayed: call state/init again"

    def body(self) -> dict:
        return {**super().body(), "reinit": True}


def parse_cursor(raw: str | None) -> int | None:
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or len(raw) > 18:
        raise BadId("version must be a cursor from state/init or a pushed item", field="version")
    return int(raw)


async def subscribe(
    caller: Caller, cursor: int | None, on_overflow=None, *, on_kick=None, ip: str | None = None, present: bool = True
) -> Subscriber:
    sub = Subscriber(caller, max_queue(), on_overflow, on_kick, ip)
    sub.present = present
    feed = await hub.attach(sub)
    try:
        if cursor is None:
            sub.start_from(feed.next_seq - 1, [])  # live events from now
        else:
            replayed, upto = await db(missed, caller, cursor, feed.next_seq - 1)
            sub.start_from(upto, replayed)
    except CursorGone as exc:
        hub.detach(sub)
        raise ReinitRequired() from exc
    except BaseException:
        hub.detach(sub)
        raise
    return sub
