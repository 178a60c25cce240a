"""Queue positions: a waiting visitor is told its place (`queue_number`) on entering the queue and whenever it changes.

Positions count within the chat's queue (department), FIFO by `waiting_since`,
1 = next. They are transient pushes; `state/init` carries the current one.

Only changed places are pushed: the last announced ones are kept in Redis
(one hash per org), compared and replaced by one script. The script is fenced
by the org's sequence number read before the positions: announcers racing in
several processes may finish in any order, and one that read an older queue
than the last applied is ignored, so a stale place never overwrites a newer
one.
"""

from __future__ import annotations

import time

from apps.core.db import db
from apps.core.redis import get_redis
from apps.realtime.events import Event, Transient
from apps.realtime.publish import publish_transient

from .models import Chat
from .sequence import current_seq

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


def _snapshot(org_id: int) -> tuple[int, list[tuple[str, str, int]]]:
    version = current_seq(org_id)  # read first: the positions below are at least this new
    return version, positions(org_id)


# KEYS: the org's hash of announced places, its fence. ARGV: version, then chat id / place pairs.
# Returns the chat ids whose place is new or changed (nothing if a newer queue was applied already).
_CHANGED = """
local fence = tonumber(redis.call('GET', KEYS[2]) or '-1')
if tonumber(ARGV[1]) < fence then return {} end
redis.call('SET', KEYS[2], ARGV[1], 'EX', ARGV[2])
local old = redis.call('HGETALL', KEYS[1])
local prev = {}
for i = 1, #old, 2 do prev[old[i]] = old[i + 1] end
redis.call('DEL', KEYS[1])
local changed = {}
for i = 3, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  if prev[ARGV[i]] ~= ARGV[i + 1] then table.insert(changed, ARGV[i]) end
end
redis.call('EXPIRE', KEYS[1], ARGV[2])
return changed
"""
KEEP_SECONDS = 86400  # an org whose queue does not change for a day is told everything again


async def announce_if_changed(events: list[Event]) -> None:
    """After events that change an org's queue (they go to all staff), tell waiting visitors whose place changed."""
    for org_id in {e.org_id for e in events if e.to_staff}:
        version, places = await db(_snapshot, org_id)
        pairs = [value for chat_id, _, position in places for value in (chat_id, position)]
        keys = (f"queue-places-{org_id}", f"queue-places-version-{org_id}")
        changed = set(await get_redis().eval(_CHANGED, 2, *keys, version, KEEP_SECONDS, *pairs))
        now = int(time.time())
        for chat_id, uid, position in places:
            if chat_id not in changed:
                continue
            payload = {
                "cid": org_id,
                "type": "queue_number",
                "from": SYSTEM,
                "chat": {"id": chat_id},
                "t": {"t0": now},
                "event": {"position": position},
            }
            await publish_transient(Transient(org_id, payload, payload, ((uid, "user"),), "system"))
