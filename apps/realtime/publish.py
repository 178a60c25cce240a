"""Publishing after commit: wake recipients through the channel layer, advance state versions.

The channel layer is at-most-once, so this is a wake-up, not the record: the
record is the `Message` table and its per-org sequence, which push replays from.
A failure here is logged and never fails the request whose rows are committed.
"""

from __future__ import annotations

import logging
import time

from channels.layers import get_channel_layer

from apps.core.redis import get_redis

from .events import Event, Notice, staff_group, user_group

log = logging.getLogger("horn.publish")

# Raises a key to a new value only if it is higher: publishes from several
# processes may arrive out of order, and a version must never move backwards.
_MAX_SET = """
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > cur then redis.call('SET', KEYS[1], ARGV[1]) end
return 1
"""


def state_version_key(uid: str) -> str:
    return f"state-version-{uid}"


def stats_key(second: int) -> str:
    return f"stats-msgs-{second}"


async def publish(events: list[Event]) -> None:
    if not events:
        return
    try:
        await _record_versions(events)
        layer = get_channel_layer()
        for event in events:
            message = {"type": "horn.event", "seq": event.seq, "payload": event.payload}
            for uid in event.recipients():
                await layer.group_send(user_group(uid), message)
            if event.to_staff:
                await layer.group_send(staff_group(event.org_id), message)
    except Exception:  # the rows are committed; push catches up from the log
        log.exception("publish failed for %d event(s)", len(events))


async def _record_versions(events: list[Event]) -> None:
    redis = get_redis()
    now = int(time.time())
    async with redis.pipeline(transaction=False) as pipe:
        for event in events:
            for uid in event.recipients():
                pipe.eval(_MAX_SET, 1, state_version_key(uid), event.seq)
        pipe.incrby(stats_key(now), len(events))
        pipe.expire(stats_key(now), 120)
        await pipe.execute()


async def notify(notice: Notice) -> None:
    """Transient notice to the org's staff (e.g. the visitor list changed)."""
    try:
        await get_channel_layer().group_send(
            staff_group(notice.org_id), {"type": "horn.notice", "kind": notice.kind, "data": notice.data}
        )
    except Exception:
        log.exception("notice %s failed", notice.kind)
