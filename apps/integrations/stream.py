"""The event stream (seed 002): every event of an org, once, in order, in the Redis Stream `horn:events:{oid}`.

Stored events (message rows) have the sequence number as their entry id
(`<seq>-0`). The process that committed them appends them in the round trip of
its publish (emit.append_stored), each only if it directly follows the stream's
last entry. That cannot be all: a process can die between its commit and the
append, Redis can be down, and two processes publish in a race. So a relay
appends from the database, in org-sequence order, whatever is still missing a
round after it was committed (the committing process has had its chance by
then). Redis refuses an id at or below the stream's last one, so an event
appended twice (by its process and the relay, two relays, a relay that died
after appending but before noting it) is still in the stream once.

- **One relay at a time.** Every process runs the loop; the one holding the
  lease `horn:events:relay` (renewed each round) does the work.
- **Where to resume** is the stream's own last id. If the stream is gone (Redis
  lost its data) the relay resumes after the org's checkpoint in the database,
  which it writes (at most once a second) from the stream's end; the few events between the checkpoint and
  the loss are appended again (same `id` in the envelope) rather than lost.
  A new stream starts with the org's latest `HORN_EVENT_STREAM_MAXLEN` events.
- **Not stored** (userConnected, userDisconnected, userChatRateLimited) events
  are queued in `horn:events:pending:{oid}` by the process that saw them
  (emit.py) and moved into the stream by the relay with a Lua script (pop and
  append in one atomic step: once), as `<last seq>-<n>`, so they sort after the
  stored event that came before them; their `version` is that sequence number.
- **Bounded**: `XADD ... MAXLEN ~ HORN_EVENT_STREAM_MAXLEN`.

Consumers use consumer groups (`XREADGROUP`); see docs/events.md and
examples/event_consumer.py.
"""

from __future__ import annotations

import asyncio
import logging
import time

import orjson
from django.conf import settings
from redis.exceptions import ResponseError

from apps.core.db import db
from apps.core.lease import Lease
from apps.core.redis import get_redis
from apps.realtime.replay import events_between

from . import envelope
from .emit import PENDING_ORGS, pending_key, stream_key
from .models import StreamCheckpoint

log = logging.getLogger("horn.events")

LEASE = "horn:events:relay"
BATCH = 500


# Pop up to ARGV[2] queued events and append each after the stream's last entry, in one atomic step;
# an emptied queue takes its org (ARGV[4]) off the set of orgs with queued events (KEYS[3]).
# ARGV[1]: the org's last appended sequence number (the relay's), used when the stream is empty.
_DRAIN = """
local last = tonumber(ARGV[1])
local top = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if top[1] then
  local ms = tonumber(string.match(top[1][1], '^(%d+)-'))
  if ms > last then last = ms end
end
local n = 0
for i = 1, tonumber(ARGV[2]) do
  local item = redis.call('LPOP', KEYS[2])
  if not item then break end
  local frame = cjson.decode(item)
  frame['version'] = last  -- what had happened when it did: the org's last stored event before it
  redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], last .. '-*', 'event', cjson.encode(frame))
  n = n + 1
end
if redis.call('LLEN', KEYS[2]) == 0 then redis.call('SREM', KEYS[3], ARGV[4]) end
return n
"""


# --- the relay -------------------------------------------------------------------------------


def _org_seqs() -> dict[int, int]:
    from apps.chats.models import OrgSequence

    return dict(OrgSequence.objects.values_list("org_id", "seq"))


def _checkpoints(org_ids: list[int]) -> dict[int, int]:
    return dict(StreamCheckpoint.objects.filter(org_id__in=org_ids).values_list("org_id", "seq"))


def _save_checkpoints(seqs: dict[int, int]) -> None:
    for org_id, seq in seqs.items():
        StreamCheckpoint.objects.update_or_create(org_id=org_id, defaults={"seq": seq})


class Relay:
    """Moves an org's events from the database (and the pending queues) into its stream."""

    def __init__(self) -> None:
        self.appended: dict[int, int] = {}  # org -> last sequence number known to be in its stream
        self.committed: dict[int, int] = {}  # org -> its sequence number last round: due by now
        self.saved: dict[int, int] = {}  # org -> its checkpoint as last written
        self.saved_at = 0.0
        self.lease = Lease(LEASE)
        self.drain = None

    async def _lead(self) -> bool:
        held, fresh = await self.lease.hold()
        if fresh or not held:
            # Newly leading (or the lease vanished under us: Redis restarted or lost its data), or another
            # process leads: where each stream ends is read afresh, so a lost stream is refilled from the
            # checkpoint, and what another relay appended is known if we take over.
            self.appended.clear()
            self.committed.clear()
        return held

    async def _resume_points(self, org_ids: list[int], seqs: dict[int, int]) -> None:
        """Where each org's stream ends: its last entry, else the checkpoint, else its latest MAXLEN events."""
        redis = get_redis()
        async with redis.pipeline(transaction=False) as pipe:
            for org_id in org_ids:
                pipe.xrevrange(stream_key(org_id), count=1)
            tops = await pipe.execute()
        missing = [org_id for org_id, top in zip(org_ids, tops, strict=True) if not top]
        saved = await db(_checkpoints, missing) if missing else {}
        for org_id, top in zip(org_ids, tops, strict=True):
            if top:
                self.appended[org_id] = int(top[0][0].split("-")[0])
            elif org_id in saved:
                self.appended[org_id] = saved[org_id]
            else:
                self.appended[org_id] = max(0, seqs[org_id] - settings.HORN_EVENT_STREAM_MAXLEN)

    async def step(self) -> int:
        """One round: append what the database has past each stream's end, then the queued events."""
        seqs = await db(_org_seqs)
        # Events committed by last round are due: their processes have appended them, or died, or lost
        # a race. On the first round everything committed is (this relay cannot tell how long ago).
        due = {org_id: min(seq, self.committed.get(org_id, seq)) for org_id, seq in seqs.items()}
        self.committed = seqs
        # Orgs with events past what we know is appended: where does their stream end now? (Their own
        # processes appended most; a stream that is gone is refilled from the checkpoint.)
        behind = [org_id for org_id, seq in seqs.items() if self.appended.get(org_id, -1) != seq]
        if behind:
            await self._resume_points(behind, seqs)
        moved = 0
        for org_id, last_due in due.items():
            while self.appended[org_id] < last_due:
                # Every number up to a committed `seq` is committed too (apps/chats/sequence.py), so a
                # number without a row is one retention deleted, not one still to come.
                first = self.appended[org_id] + 1
                last = min(last_due, first + BATCH - 1)
                events = await db(events_between, org_id, first, last)
                if events:
                    await self._append(org_id, events)
                self.appended[org_id] = last
                moved += len(events)
        await self._checkpoint()
        return moved + await self._drain_pending()

    async def _checkpoint(self) -> None:
        """Note where each stream ends (for a Redis that loses its data), at most once a second."""
        now = time.monotonic()
        changed = {org_id: seq for org_id, seq in self.appended.items() if self.saved.get(org_id) != seq}
        if changed and now - self.saved_at >= 1.0:
            await db(_save_checkpoints, changed)
            self.saved.update(changed)
            self.saved_at = now

    async def _append(self, org_id: int, events) -> None:
        maxlen = settings.HORN_EVENT_STREAM_MAXLEN
        async with get_redis().pipeline(transaction=False) as pipe:
            for event in events:
                frame = orjson.dumps(envelope.for_event(event))
                pipe.xadd(stream_key(org_id), {"event": frame}, id=f"{event.seq}-0", maxlen=maxlen, approximate=True)
            results = await pipe.execute(raise_on_error=False)
        for result in results:
            # Already there (appended before, by us or a previous relay): that is the point of the ids.
            if isinstance(result, ResponseError) and "equal or smaller" not in str(result):
                raise result

    async def _drain_pending(self) -> int:
        redis = get_redis()
        if self.drain is None:
            self.drain = redis.register_script(_DRAIN)
        moved = 0
        for raw in await redis.smembers(PENDING_ORGS):
            org_id = int(raw)
            moved += await self.drain(
                keys=[stream_key(org_id), pending_key(org_id), PENDING_ORGS],
                args=[self.appended.get(org_id, 0), BATCH, settings.HORN_EVENT_STREAM_MAXLEN, org_id],
            )
        return moved

    async def run(self) -> None:
        while True:
            if asyncio.current_task().cancelling():  # a cancel some library swallowed: stop all the same
                raise asyncio.CancelledError
            try:
                if await self._lead():
                    await self.step()
            except asyncio.CancelledError:
                raise
            except Exception:
                if asyncio.current_task().cancelling():  # a cancel that arrived mid-query and was turned into this
                    raise asyncio.CancelledError from None
                log.exception("event stream relay round failed")
            await asyncio.sleep(settings.HORN_EVENT_STREAM_PERIOD_MS / 1000)


_relay_task: asyncio.Task | None = None


async def start() -> None:
    global _relay_task
    if settings.HORN_EVENT_STREAM and _relay_task is None:
        _relay_task = asyncio.get_running_loop().create_task(Relay().run())


async def stop() -> None:
    global _relay_task
    task, _relay_task = _relay_task, None
    if task is not None:
        task.cancel()
        await asyncio.wait({task}, timeout=5)
