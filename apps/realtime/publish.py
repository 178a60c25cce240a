"""Publishing after commit: one channel-layer message per organisation and batch of events.

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
from apps.integrations.emit import append_stored

from .events import Event, Notice, Transient, events_message, org_group

log = logging.getLogger("horn.publish")

# Raises each key to its new value only if that is higher: publishes from
# several processes may arrive out of order, and a version never moves back.
_MAX_SET = """
for i, key in ipairs(KEYS) do
  local cur = tonumber(redis.call('GET', key) or '0')
  if tonumber(ARGV[i]) > cur then redis.call('SET', key, ARGV[i]) end
end
return 1
"""


def state_version_key(uid: str) -> str:
    return f"state-version-{uid}"


def stats_key(second: int) -> str:
    return f"stats-msgs-{second}"


async def publish(events: list[Event]) -> None:
    if not events:
        return
    from .hub import hub  # (hub -> replay -> chats -> here: imported on use)

    # This process's own connections need not wait for the round trip through
    # Redis; the copy that comes back is dropped as a duplicate by sequence.
    hub.deliver_local(events)
    layer = get_channel_layer()
    by_org: dict[int, list[Event]] = {}
    for event in events:
        by_org.setdefault(event.org_id, []).append(event)
    for org_id, batch in by_org.items():
        try:
            await layer.group_send(org_group(org_id), events_message(org_id, batch))
        except Exception:  # the rows are committed; push processes fill the gap from the DB
            log.exception("publish of seq %d-%d (org %d) failed", batch[0].seq, batch[-1].seq, org_id)
    try:
        await _record_versions(events)
    except Exception:
        log.exception("recording state versions failed")


async def _record_versions(events: list[Event]) -> None:
    """Seed 004's state-version-{uid}: the latest seq each recipient is owed (one script call), and the
    events onto the org's event stream (seed 002), in the same round trip."""
    latest: dict[str, int] = {}
    for event in events:
        for uid in event.recipients():
            latest[uid] = max(latest.get(uid, 0), event.seq)
    redis = get_redis()
    now = int(time.time())
    async with redis.pipeline(transaction=False) as pipe:
        if latest:
            pipe.eval(_MAX_SET, len(latest), *map(state_version_key, latest), *latest.values())
        pipe.incrby(stats_key(now), len(events))
        pipe.expire(stats_key(now), 120)
        append_stored(pipe, events)
        await pipe.execute()


async def publish_transient(transient: Transient) -> None:
    """Through the layer only (every process's hub, this one's included): at most once, like typing itself."""
    try:
        await get_channel_layer().group_send(org_group(transient.org_id), transient.to_layer())
    except Exception:
        log.exception("transient event for org %d failed", transient.org_id)


async def broadcast(message: dict) -> None:
    """To the hub of every process (this one's first, at once), e.g. a ban: see Hub.on."""
    from .hub import BROADCAST_GROUP, hub

    handler = hub.handlers.get(message["type"])
    if handler is not None:
        handler(message)  # handlers are idempotent: the copy coming back through the layer is harmless
    try:
        await get_channel_layer().group_send(BROADCAST_GROUP, message)
    except Exception:  # other processes fall back on their cache TTL (HORN_BAN_CACHE_TTL)
        log.exception("broadcast %s failed", message["type"])


def broadcast_soon(message: dict) -> None:
    """broadcast() from sync code in any thread (a model signal): on the hub's loop when it runs here."""
    import asyncio

    from asgiref.sync import async_to_sync

    from .hub import hub

    loop = hub.loop
    if loop is not None and loop.is_running() and not loop.is_closed():
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            loop.create_task(broadcast(message))
        else:
            asyncio.run_coroutine_threadsafe(broadcast(message), loop)
        return
    async_to_sync(broadcast)(message)  # no hub in this process (a shell, a command): the others hear it


async def notify(notice: Notice) -> None:
    """Transient notice to the org's connected staff."""
    try:
        await get_channel_layer().group_send(org_group(notice.org_id), notice.to_layer())
    except Exception:
        log.exception("notice %s failed", notice.kind)
