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


# Append just-committed events (ARGV[2..]: seq, frame, seq, frame...) to the stream, each only if it
# directly follows the stream's last entry (`<last seq>-<n>`); stop at the first that does not. A
# missing stream is started only by the org's first event. Whatever is left is the relay's (stream.py).
_APPEND = """
local last = 0
local top = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if top[1] then last = tonumber(string.match(top[1][1], '^(%d+)-')) end
local n = 0
for i = 2, #ARGV, 2 do
  local seq = tonumber(ARGV[i])
  if seq > last + 1 or (seq > 1 and not top[1]) then break end
  if seq == last + 1 then
    -- refused only if the id is there already (an entry past the top was deleted): then so is this one
    local added = redis.pcall('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], seq .. '-0', 'event', ARGV[i + 1])
    if type(added) ~= 'table' then n = n + 1 end
    last = seq
  end
end
return n
"""


def append_stored(pipe, events) -> None:
    """Queue on a Redis pipeline the appends of events just committed (publish() calls this).

    Most events reach the stream this way, in the round trip publishing already makes; the
    relay appends from the database only what this could not: an event whose process died
    after its commit, or one published before an earlier number's (processes race).
    """
    if not settings.HORN_EVENT_STREAM:
        return
    by_org: dict[int, list] = {}
    for event in events:
        by_org.setdefault(event.org_id, []).append(event)
    for org_id, batch in by_org.items():
        args = [settings.HORN_EVENT_STREAM_MAXLEN]
        for event in sorted(batch, key=lambda e: e.seq):
            args += [event.seq, orjson.dumps(envelope.for_event(event))]
        pipe.eval(_APPEND, 1, stream_key(org_id), *args)


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
