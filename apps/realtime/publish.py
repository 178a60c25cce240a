"""Publishing after commit: one channel-layer message per event to its organisation's group.

The channel layer is at-most-once, so this is a wake-up, not the record: the
record is the `Message` table and its per-org sequence, from which push
processes fill any gap (apps/realtime/hub.py). A failure here is logged and
never fails the request whose rows are committed.
"""

from __future__ import annotations

import logging
import time

from channels.layers import get_channel_layer

from apps.core.redis import get_redis

from .events import Event, Notice, org_group

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
    layer = get_channel_layer()
    for event in events:
        try:
            await layer.group_send(org_group(event.org_id), event.to_layer())
        except Exception:  # the row is committed; push processes fill the gap from the DB
            log.exception("publish of seq %d (org %d) failed", event.seq, event.org_id)
    try:
        await _record_versions(events)
    except Exception:
        log.exception("recording state versions failed")


async def _record_versions(events: list[Event]) -> None:
    """Seed 004's state-version-{uid}: the latest seq each recipient is owed."""
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
    """Transient notice to the org's connected staff."""
    try:
        await get_channel_layer().group_send(org_group(notice.org_id), notice.to_layer())
    except Exception:
        log.exception("notice %s failed", notice.kind)
