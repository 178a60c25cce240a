"""Queue an event that is not stored (a connection opened or closed, a rate limit hit) for the org's stream.

Called from the push socket and the rate limiter; depends on nothing but Redis,
so those modules can call it without importing the relay (stream.py).
"""

from __future__ import annotations

import asyncio
import logging

import orjson
from django.conf import settings

from apps.core.redis import get_redis

from . import envelope

log = logging.getLogger("horn.events")

PENDING_ORGS = "horn:events:pending-orgs"


def stream_key(org_id: int) -> str:
    return f"horn:events:{org_id}"


def pending_key(org_id: int) -> str:
    return f"horn:events:pending:{org_id}"


# Append just-committed events (ARGV[3..]: seq, frame, seq, frame... in order) to the stream, each when
# it directly follows the stream's last entry (`<last seq>-<n>`). One that comes early (another process
# has not published the numbers before it yet) waits in a sorted set by its number (KEYS[2], kept for
# ARGV[2] seconds) and goes in as soon as they have: so processes racing to publish still append
# everything themselves, in order, with no gap. A missing stream is started only by the org's first
# event. Whatever is still missing a round later is the relay's (stream.py), from the database.
_APPEND = """
local last = 0
local top = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if top[1] then last = tonumber(string.match(top[1][1], '^(%d+)-')) end
local started = top[1] ~= nil
local n = 0
local function add(seq, frame)
  -- refused only if the id is there already (an entry past the top was deleted): then so is this one
  local added = redis.pcall('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], seq .. '-0', 'event', frame)
  if type(added) ~= 'table' then n = n + 1 end
  last, started = seq, true
end
for i = 3, #ARGV, 2 do
  local seq = tonumber(ARGV[i])
  if seq == last + 1 and (started or seq == 1) then
    add(seq, ARGV[i + 1])
  elseif seq > last then
    redis.call('ZADD', KEYS[2], seq, ARGV[i + 1])
  end
end
if started then
  while true do
    local early = redis.call('ZRANGEBYSCORE', KEYS[2], last + 1, last + 1)
    if not early[1] then break end
    add(last + 1, early[1])
  end
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', last)
end
if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('EXPIRE', KEYS[2], ARGV[2]) end
return n
"""
EARLY_TTL_S = 60


def early_key(org_id: int) -> str:
    return f"horn:events:early:{org_id}"


def append_stored(pipe, events) -> None:
    """Queue on a Redis pipeline the appends of events just committed (publish() calls this).

    Nearly every event reaches the stream this way, in the round trip publishing already makes;
    the relay appends from the database only what this could not: an event whose process died
    after its commit, or one published while Redis was away.
    """
    if not settings.HORN_EVENT_STREAM:
        return
    by_org: dict[int, list] = {}
    for event in events:
        by_org.setdefault(event.org_id, []).append(event)
    for org_id, batch in by_org.items():
        args = [settings.HORN_EVENT_STREAM_MAXLEN, EARLY_TTL_S]
        for event in sorted(batch, key=lambda e: e.seq):
            args += [event.seq, orjson.dumps(envelope.for_event(event))]
        pipe.eval(_APPEND, 2, stream_key(org_id), early_key(org_id), *args)


_tasks: set[asyncio.Task] = set()


def emit(org_id: int, name: str, body: dict, *, user_id: str, session_id: str = "") -> None:
    """Queue it without delaying or failing the caller (the stream is for other systems)."""
    if not settings.HORN_EVENT_STREAM:
        return
    frame = envelope.for_transient(org_id, name, body, user_id=user_id, session_id=session_id)
    task = asyncio.get_running_loop().create_task(_queue(org_id, frame))
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)


async def _queue(org_id: int, frame: dict) -> None:
    try:
        async with get_redis().pipeline(transaction=True) as pipe:
            pipe.rpush(pending_key(org_id), orjson.dumps(frame))
            pipe.sadd(PENDING_ORGS, org_id)
            await pipe.execute()
    except Exception:
        log.exception("queueing %s for org %s failed", frame["name"], org_id)
