"""The per-process push hub: one channel-layer channel in, every local connection out.

Each push process joins the channel-layer group of every organisation it has a
connection for (`org.{oid}`), so an event costs one publish and one receive
per process however many local connections want it, and is serialised once.

Per organisation an `OrgFeed` restores the sequence order: events from several
publishing processes can arrive out of order, and the channel layer may drop
some (it is at-most-once). The org sequence is gapless, so a missing number is
visible at once; after a short wait the feed reads it from the DB. A periodic
check against the DB's sequence catches a lost *last* event too (a publisher
that died after commit, a Redis restart).
"""

from __future__ import annotations

import asyncio
import collections
import logging
import time
from collections.abc import Callable, Iterator

import orjson
from channels.layers import get_channel_layer
from django.conf import settings

from apps.accounts.auth import Caller
from apps.chats.sequence import current_seq
from apps.core.db import db
from apps.core.errors import HornError

from . import replay
from .events import USER, Event, org_group

log = logging.getLogger("horn.hub")

FILL_DELAY = 0.03  # seconds an out-of-order event waits for its predecessors before the DB is asked
CHECK_INTERVAL = 1.0  # seconds between checks of every feed against the DB's sequence
FEED_GRACE = 60.0  # seconds a feed without connections stays subscribed (reconnects are common)
# Every hub joins this group at start: notices that concern processes whatever
# orgs they serve (a ban drops every process's cached ban list; apps/guard).
BROADCAST_GROUP = "horn.broadcast"


class Subscriber:
    """One websocket connection or one pending long-poll: a queue of frames for one caller."""

    __slots__ = (
        "caller",
        "cursor",
        "frames",
        "wakeup",
        "max_queue",
        "on_overflow",
        "overflowed",
        "ip",
        "on_kick",
        "kicked",
        "present",
    )

    def __init__(self, caller: Caller, max_queue: int, on_overflow=None, on_kick=None, ip: str | None = None):
        self.caller = caller
        self.ip = ip  # the client's IP (apps.core.clientip), for bans by address
        self.on_kick = on_kick
        self.kicked: HornError | None = None
        self.present = True  # counts its caller as online (presence.counts); False: a watching page
        self.cursor = -1  # set once the replay is known; live frames at or below it are dropped
        self.frames: collections.deque[tuple[int | None, bytes]] = collections.deque()
        self.wakeup = asyncio.Event()
        self.max_queue = max_queue
        self.on_overflow = on_overflow
        self.overflowed = False

    def offer(self, seq: int | None, frame: bytes) -> None:
        if self.overflowed or (seq is not None and seq <= self.cursor):
            return
        self.frames.append((seq, frame))
        if len(self.frames) > self.max_queue:
            # Too far behind: it goes, rather than slowing the hub or growing without bound.
            self.overflowed = True
            self.frames.clear()
            if self.on_overflow is not None:
                self.on_overflow()
        self.wakeup.set()

    def kick(self, error: HornError) -> None:
        """Refuse this connection from now on (a ban): a socket closes, a pending long-poll answers `error`."""
        if self.kicked is not None:
            return
        self.kicked = error
        self.frames.clear()
        if self.on_kick is not None:
            self.on_kick(error)
        self.wakeup.set()

    def start_from(self, cursor: int, replayed: list[tuple[int, dict]]) -> None:
        """Put the replay first, keep the live frames that came after it."""
        live = [(s, f) for s, f in self.frames if s is None or s > cursor]
        now = int(time.time())  # replayed messages are pushed now too: they carry t1 like live ones
        again = [(None, orjson.dumps({**p, "t": {**p.get("t", {}), "t1": now}})) for _, p in replayed]
        self.frames = collections.deque(again + live)
        self.cursor = cursor
        if self.frames:
            self.wakeup.set()

    def take(self) -> list[bytes]:
        """Every frame due, in order; advances the cursor."""
        out = []
        while self.frames:
            seq, frame = self.frames.popleft()
            if seq is not None:
                if seq <= self.cursor:
                    continue
                self.cursor = seq
            out.append(frame)
        self.wakeup.clear()
        return out


class OrgFeed:
    def __init__(self, org_id: int):
        self.org_id = org_id
        self.next_seq: int | None = None  # unknown until the DB says where the log is
        self.ready = asyncio.Event()
        self.pending: dict[int, Event] = {}
        self.by_uid: dict[str, set[Subscriber]] = {}
        self.staff: set[Subscriber] = set()
        self.filling: asyncio.Task | None = None
        self.empty_since: float | None = None
        self.db_seq_seen = 0  # the DB's sequence at the previous check
        self.joined = False  # in the channel-layer group; until then the DB checks alone deliver

    # --- membership ---
    def add(self, sub: Subscriber) -> None:
        self.by_uid.setdefault(sub.caller.uid, set()).add(sub)
        if sub.caller.is_staff:
            self.staff.add(sub)
        self.empty_since = None

    def remove(self, sub: Subscriber) -> None:
        subs = self.by_uid.get(sub.caller.uid)
        if subs is not None:
            subs.discard(sub)
            if not subs:
                del self.by_uid[sub.caller.uid]
        self.staff.discard(sub)
        if not self.by_uid:
            self.empty_since = time.monotonic()

    # --- ordering ---
    def start_at(self, seq: int) -> None:
        self.next_seq = seq + 1
        self.ready.set()
        self._drain()

    def on_event(self, event: Event) -> None:
        if self.next_seq is not None and event.seq < self.next_seq:
            return  # already dispatched (duplicate or filled from the DB)
        self.pending[event.seq] = event
        self._drain()

    def _drain(self) -> None:
        if self.next_seq is None:
            return
        for seq in [s for s in self.pending if s < self.next_seq]:
            del self.pending[seq]
        while self.next_seq in self.pending:
            self._dispatch(self.pending.pop(self.next_seq))
            self.next_seq += 1
        if self.pending and self.filling is None:
            self.filling = asyncio.create_task(self._fill_gap())

    async def _fill_gap(self) -> None:
        try:
            while self.pending:
                stuck_at = self.next_seq
                await asyncio.sleep(FILL_DELAY)
                # Only a gap that stayed open the whole delay is read from the DB; under
                # load there is nearly always *some* fresh gap, closed a moment later.
                if self.pending and self.next_seq == stuck_at:
                    await self.fill_to(min(self.pending) - 1)
        except Exception:
            log.exception("gap fill for org %d failed; the periodic check retries", self.org_id)
        finally:
            self.filling = None

    async def fill_to(self, last: int) -> None:
        """Dispatch events up to `last` from the DB (they are committed: see sequence.py)."""
        if self.next_seq is None or last < self.next_seq:
            return
        for event in await db(replay.events_between, self.org_id, self.next_seq, last):
            self.pending.setdefault(event.seq, event)
        self._drain()

    # --- delivery ---
    def _dispatch(self, event: Event) -> None:
        targets: set[Subscriber] = set()
        for uid in event.recipients():
            targets.update(self.by_uid.get(uid, ()))
        if event.to_staff:
            targets.update(self.staff)
        if not targets:
            return
        payload = dict(event.payload)
        payload["t"] = {**payload.get("t", {}), "t1": int(time.time())}
        frame = orjson.dumps(payload)  # once per process, whatever the number of receivers
        for sub in targets:
            sub.offer(event.seq, frame)

    def transient(self, message: dict) -> None:
        frames: dict[bool, bytes | None] = {}
        for uid, role in message["members"]:
            if uid == message["sender"]:
                continue
            visitor = role == USER
            if visitor not in frames:
                payload = message["visitor_payload"] if visitor else message["payload"]
                frames[visitor] = orjson.dumps(payload) if payload is not None else None
            if frames[visitor] is not None:
                for sub in self.by_uid.get(uid, ()):
                    sub.offer(None, frames[visitor])

    def notice(self, kind: str, data: dict) -> None:
        frame = orjson.dumps({"type": kind, "event": data})
        for sub in self.staff:
            sub.offer(None, frame)


class Hub:
    def __init__(self):
        self.feeds: dict[int, OrgFeed] = {}
        self.channel: str | None = None
        self.tasks: list[asyncio.Task] = []
        self._starting: asyncio.Lock | None = None
        self.handlers: dict[str, Callable[[dict], None]] = {}
        self.broadcast_joined = False
        self.loop: asyncio.AbstractEventLoop | None = None

    @property
    def connections(self) -> int:
        return sum(len(subs) for feed in self.feeds.values() for subs in feed.by_uid.values())

    def on(self, message_type: str, handler: Callable[[dict], None]) -> None:
        """Have `handler` receive every broadcast message of this type (registered at start-up)."""
        self.handlers[message_type] = handler

    def subscribers(self, org_id: int) -> Iterator[Subscriber]:
        feed = self.feeds.get(org_id)
        if feed is None:
            return
        for subs in list(feed.by_uid.values()):
            yield from list(subs)

    def local_uids(self) -> list[tuple[int, str, str]]:
        """(org, uid, role) of every caller connected here that counts as online (a watching page does not)."""
        return [
            (feed.org_id, uid, next(iter(subs)).caller.role)
            for feed in self.feeds.values()
            for uid, subs in feed.by_uid.items()
            if any(sub.present for sub in subs)
        ]

    async def start(self) -> None:
        if self._starting is None:
            self._starting = asyncio.Lock()
        async with self._starting:
            if self.channel is not None:
                return
            self.loop = asyncio.get_running_loop()  # for broadcasts started from other threads (publish.broadcast_soon)
            self.channel = await get_channel_layer().new_channel("hub.")
            await self._join_broadcast()
            from .pushers import heartbeat_loop

            self.tasks = [
                asyncio.create_task(self._receive_loop()),
                asyncio.create_task(self._check_loop()),
                asyncio.create_task(heartbeat_loop()),
            ]

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        self.tasks, self.channel, self.feeds, self.broadcast_joined = [], None, {}, False
        self.loop = None

    async def _join_broadcast(self) -> None:
        try:
            await get_channel_layer().group_add(BROADCAST_GROUP, self.channel)
            self.broadcast_joined = True
        except Exception:  # Redis down: the periodic check joins once it is back
            log.warning("cannot join %s yet", BROADCAST_GROUP)

    async def attach(self, sub: Subscriber) -> OrgFeed:
        await self.start()
        org_id = sub.caller.org_id
        feed = self.feeds.get(org_id)
        if feed is None:
            feed = self.feeds[org_id] = OrgFeed(org_id)
            try:
                # Join first, then read where the log is: nothing published in between is missed.
                await self._join(feed)
                feed.start_at(await db(current_seq, org_id))
            except BaseException:
                del self.feeds[org_id]
                feed.ready.set()
                raise
        else:
            await feed.ready.wait()
        feed.add(sub)
        return feed

    async def _join(self, feed: OrgFeed) -> None:
        try:
            await get_channel_layer().group_add(org_group(feed.org_id), self.channel)
            feed.joined = True
        except Exception:  # Redis down: serve from the DB checks until it is back
            log.warning("cannot join %s; delivering from the DB until the layer is back", org_group(feed.org_id))

    def deliver_local(self, events: list[Event]) -> None:
        """Events this process committed: ordered in with the rest, ahead of their published copy."""
        for event in events:
            feed = self.feeds.get(event.org_id)
            if feed is not None:
                feed.on_event(event)

    def detach(self, sub: Subscriber) -> None:
        feed = self.feeds.get(sub.caller.org_id)
        if feed is not None:
            feed.remove(sub)

    async def _receive_loop(self) -> None:
        layer = get_channel_layer()
        while True:
            try:
                message = await layer.receive(self.channel)
                handler = self.handlers.get(message.get("type"))
                if handler is not None:
                    handler(message)
                    continue
                feed = self.feeds.get(message.get("org"))
                if feed is None:
                    continue
                if message["type"] == "horn.events":
                    for item in message["events"]:
                        feed.on_event(Event.from_item(feed.org_id, item))
                elif message["type"] == "horn.transient":
                    feed.transient(message)
                elif message["type"] == "horn.notice":
                    feed.notice(message["kind"], message["data"])
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("hub receive failed")
                await asyncio.sleep(0.5)

    async def _check_loop(self) -> None:
        while True:
            await asyncio.sleep(CHECK_INTERVAL)
            try:
                await self.check()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("hub check failed")

    async def check(self) -> None:
        """Catch up every feed with the DB; let go of feeds idle past the grace period."""
        if not self.broadcast_joined:
            await self._join_broadcast()
        now = time.monotonic()
        for org_id, feed in list(self.feeds.items()):
            if feed.empty_since is not None and now - feed.empty_since > FEED_GRACE:
                del self.feeds[org_id]
                await get_channel_layer().group_discard(org_group(org_id), self.channel)
        live = [f for f in self.feeds.values() if f.next_seq is not None]
        if not live:
            return
        for feed in live:
            if not feed.joined:
                await self._join(feed)
        seqs = await db(replay.current_seqs, [f.org_id for f in live])
        for feed in live:
            # Only what was committed a whole interval ago: events in flight get time to arrive.
            stale, feed.db_seq_seen = feed.db_seq_seen, seqs.get(feed.org_id, 0)
            if stale >= feed.next_seq:
                await feed.fill_to(stale)


hub = Hub()


def max_queue() -> int:
    return settings.HORN_PUSH_MAX_QUEUE
