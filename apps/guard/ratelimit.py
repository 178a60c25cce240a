"""Rate limits on every endpoint that writes: per visitor, per client IP, per staff member, per bot key.

One line in a view: `await ratelimit.check(request, caller, "message")`
(kinds: "track", "message", "request_chat", "files"). It raises
`RateLimited` (HTTP 429, `Retry-After`, code 6001) *before* the view writes
anything, so a refused request changes nothing.

Counting is done by the `limits` library with its sliding window counter:
two integers per key. The moving window would be exact but keeps one entry
per hit (600 per IP at the default), and a fixed window lets a client send
twice its limit across a window boundary; the sliding window counter's
weighted estimate is within a few percent of exact at O(1) cost.

Two levels, so that a request never waits for Redis:

1. **In the process** (limits' memory storage): every item is hit at once,
   exactly; over the limit is refused on the spot. A client whose requests
   all reach one process (one keep-alive connection, one socket) meets its
   limits exactly.
2. **Shared, in Redis** (HORN_REDIS_URL, keys `LIMITS:...`): what each
   process admitted is added to the shared counters, by limits' own script
   with `cost=n`, a moment later (`SYNC_INTERVAL`), in one pipeline for all
   keys. A key the shared count says is over its limit is refused in that
   process until its window frees a slot. So a client spread over several
   processes gets at most one interval's worth more than its limit, once.

Measured on the benchmark's message path (2 cores, 1,000 msg/s), awaiting
one Redis round trip per request (even pipelined and shared between
requests) added ~4 ms to the p50, because under load each extra await on
I/O waits for a turn of the busy event loop. These two levels cost ~40 us
of CPU per request and no await on I/O.

If Redis fails, level 1 keeps working and a warning is logged: a Redis
hiccup must not take the API down, nor lift every limit.

An organisation may replace the visitor-side limits with its own
(`Organisation.rate_limits`, apps.accounts.limits): they are read from the
cached org, so a visitor's write costs no query for them.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import math
import time
import weakref
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, RedisStorage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.storage import storage_from_string
from redis.exceptions import NoScriptError

from apps.accounts.auth import BOT, STAFF, USER, Caller
from apps.accounts.orgs import get_org
from apps.core.clientip import client_ip
from apps.core.errors import RateLimited
from apps.integrations.emit import emit

log = logging.getLogger("horn.guard")

# What a visitor's write of each kind counts against, besides the IP's budget.
# Opening a chat is also a message (it is sent as one), so it pays both.
VISITOR_BUDGETS = {
    "track": ("track",),
    "message": ("message",),
    "request_chat": ("message", "request_chat"),
    "files": ("files",),
}
SETTING = {
    "track": "HORN_RATE_TRACK",
    "message": "HORN_RATE_MESSAGE",
    "request_chat": "HORN_RATE_REQUEST_CHAT",
    "files": "HORN_RATE_FILES",
    "ip": "HORN_RATE_IP",
    STAFF: "HORN_RATE_STAFF",
    BOT: "HORN_RATE_BOT",
}
MESSAGES = {
    "track": "too many page views",
    "message": "too many messages",
    "request_chat": "too many chats opened",
    "files": "too many uploads",
    "ip": "too many requests from this address",
    STAFF: "too many requests for this staff member",
    BOT: "too many requests for this bot key",
}
# Logging every refusal of a flood would be a second flood: one warning per
# interval for Redis failures.
FAIL_LOG_INTERVAL = 10.0
_last_fail_log = 0.0


@functools.lru_cache(maxsize=64)
def _parse(name: str, raw: str) -> tuple[RateLimitItem, ...]:
    try:
        return tuple(parse_many(raw))
    except ValueError:
        raise ImproperlyConfigured(f"{name}: {raw!r} is not a limit like '20/10second;300/hour'") from None


def items(budget: str, own: dict | None = None) -> tuple[RateLimitItem, ...]:
    """The limits of one budget: the org's own (`own`, its rate_limits) if it set one, else the server's,
    read from settings on use (tests override them)."""
    if own and budget in own:
        try:
            return _parse(f"rate_limits.{budget}", own[budget])
        except ImproperlyConfigured:  # a hand-edited row: the server's limit holds
            pass
    name = SETTING[budget]
    return _parse(name, getattr(settings, name))


def validate_settings() -> None:
    for budget in SETTING:
        items(budget)


# Seconds between two additions of a process's admitted hits to the shared
# counters: the longest a client spread over several processes can run past
# its limit before each of them knows; 10 pipelines a second per process.
SYNC_INTERVAL = 0.1

Check = tuple[RateLimitItem, tuple[str, ...]]


# limits' memory storage starts a sweep of every expired key after each hit;
# expiry is also checked on every read, so the sweep only frees memory: once
# a second is plenty, and saves a task and a walk over every key per request.
SWEEP_INTERVAL = 1.0


class _LocalStorage(MemoryStorage):
    """limits' memory storage, sweeping expired keys at most once per SWEEP_INTERVAL."""

    _next_sweep = 0.0

    async def _MemoryStorage__schedule_expiry(self) -> None:  # overrides the name-mangled private hook
        now = time.monotonic()
        if now >= self._next_sweep:
            self._next_sweep = now + SWEEP_INTERVAL
            await super()._MemoryStorage__schedule_expiry()


class Limiter:
    """The two levels of one event loop (the Redis client and the memory storage's locks belong to it)."""

    def __init__(self, uri: str | None):
        self.local = SlidingWindowCounterRateLimiter(_LocalStorage())
        self.shared = SlidingWindowCounterRateLimiter(_shared_storage(uri)) if uri else None
        self.unsynced: dict[Check, int] = {}  # admitted here, not yet added to the shared counters
        self.blocked: dict[Check, float] = {}  # over the limit in the shared count, until (epoch seconds)
        self.syncing: asyncio.Task | None = None

    async def hit(self, checks: list[tuple[str, RateLimitItem, tuple[str, ...]]]) -> None:
        now = time.time()
        for budget, item, parts in checks:
            until = self.blocked.get((item, parts))
            if until is not None:
                if until > now:
                    _refuse(budget, item, parts, until - now)
                del self.blocked[(item, parts)]
        for budget, item, parts in checks:
            if not await self.local.hit(item, *parts):
                stats = await self.local.get_window_stats(item, *parts)
                _refuse(budget, item, parts, stats.reset_time - now)
        if self.shared is None:
            return
        for _, item, parts in checks:
            self.unsynced[(item, parts)] = self.unsynced.get((item, parts), 0) + 1
        if self.syncing is None:
            self.syncing = asyncio.get_running_loop().create_task(self._sync_loop())

    async def _sync_loop(self) -> None:
        try:
            while True:
                await asyncio.sleep(SYNC_INTERVAL)
                if not self.unsynced:
                    return
                batch, self.unsynced = self.unsynced, {}
                try:
                    await self._sync(batch)
                except Exception as exc:  # those hits miss the shared count; level 1 still holds
                    _log_failure(exc)
        finally:
            self.syncing = None

    async def _sync(self, batch: dict[Check, int]) -> None:
        checks = list(batch.items())
        allowed = await _hit_pipelined(self.shared, checks)
        now = time.time()
        for check, until in list(self.blocked.items()):
            if until <= now:
                del self.blocked[check]
        for ((item, parts), _), ok in zip(checks, allowed, strict=True):
            if not ok:  # refused here from now until the shared window frees a slot
                stats = await self.shared.get_window_stats(item, *parts)
                self.blocked[(item, parts)] = max(stats.reset_time, now + 1)


def _shared_storage(uri: str) -> RedisStorage:
    # redis-py (already Horn's client) rather than limits' default coredis. Short
    # timeouts: a stalled Redis must not pile up sync rounds.
    return storage_from_string(
        uri,
        implementation="redispy",
        socket_connect_timeout=1,
        socket_timeout=1,
        max_connections=settings.HORN_REDIS_MAX_CONNECTIONS,
    )


def _shared_uri() -> str | None:
    url = settings.HORN_RATE_REDIS_URL or settings.HORN_REDIS_URL
    if not url or url == "memory://":  # memory://: no shared level (one-process installs)
        return None
    return "async+" + url  # redis://host:port/db -> async+redis://host:port/db (rediss:// too)


# One Limiter per event loop, kept with the URI it was made for, so a changed setting (tests) makes a new one.
_limiters: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, tuple[str | None, Limiter]] = (
    weakref.WeakKeyDictionary()
)


def limiter() -> Limiter:
    loop = asyncio.get_running_loop()
    uri = _shared_uri()
    found = _limiters.get(loop)
    if found is None or found[0] != uri:
        found = _limiters[loop] = (uri, Limiter(uri))
    return found[1]


def forget() -> None:
    """Start from empty counters (tests); the Redis keys go with the test's flushdb."""
    _limiters.clear()


def message_kind(data: dict) -> str:
    """The budget of a POST /api/message body (or /ws frame): opening a chat has its own, tighter one."""
    return "request_chat" if data.get("type") == "request_chat" else "message"


def _checks(
    kind: str, caller: Caller | None, ip: str | None, own: dict | None = None
) -> list[tuple[str, RateLimitItem, tuple[str, ...]]]:
    """(budget, item, key parts) for every item this write counts against; `own`: the visitor's org's limits."""
    if caller is not None and caller.role in (STAFF, BOT):
        # Staff and bots are limited per credential, not per IP: a bot server or an
        # office is one address for many legitimate writes.
        return [(caller.role, item, (caller.role, caller.uid)) for item in items(caller.role)]
    out = []
    if caller is not None:
        for budget in VISITOR_BUDGETS[kind]:
            out += [(budget, item, (budget, caller.uid)) for item in items(budget, own)]
    if ip is not None:
        out += [("ip", item, ("ip", ip)) for item in items("ip")]
    return out


async def check(request: Any, caller: Caller | None, kind: str) -> None:
    """Count one write of `kind` by `caller` (None: a visitor not known yet) from the request's client IP."""
    await hit(kind, caller=caller, ip=client_ip(request))


async def hit(kind: str, *, caller: Caller | None, ip: str | None) -> None:
    """Count one write; RateLimited if any of its limits is used up. /ws frames call this directly."""
    if not settings.HORN_RATE_LIMITS:
        return
    own = (await get_org(caller.org_id)).rate_limits if caller is not None and caller.role == USER else None
    checks = _checks(kind, caller, ip, own)
    if not checks:
        return
    try:
        await limiter().hit(checks)
    except RateLimited as refused:
        if caller is not None:  # seed 002: other systems hear of it on the event stream
            body = {"reason": refused.msg, "code": refused.code, "forced": False, "kind": kind}
            body["retry_after"] = refused.extra["retry_after"]
            emit(caller.org_id, "userChatRateLimited", body, user_id=caller.uid)
        raise


async def _hit_pipelined(strategy: SlidingWindowCounterRateLimiter, checks: list[tuple[Check, int]]) -> list[bool]:
    """`strategy.hit(item, *parts, cost=n)` for every check, in one round trip: limits' script, pipelined.

    limits runs one EVALSHA per hit; this sends them together (no MULTI: each
    script is atomic on its own keys, as in limits). It reads limits' key layout
    (RedisStorage._current/_previous_window_key, the bridge's prefix and script),
    which is why requirements.txt pins limits; tests/guard checks it against
    limits' own reads in the production configuration.
    """
    storage = strategy.storage
    bridge = storage.bridge
    script = bridge.lua_acquire_sliding_window
    async with bridge.get_connection().pipeline(transaction=False) as pipe:
        for (item, parts), cost in checks:
            key = item.key_for(*parts)
            previous = bridge.prefixed_key(storage._previous_window_key(key))
            current = bridge.prefixed_key(storage._current_window_key(key))
            pipe.evalsha(script.sha, 2, previous, current, item.amount, item.get_expiry(), cost)
        results = await pipe.execute(raise_on_error=False)
    allowed = []
    for ((item, parts), cost), result in zip(checks, results, strict=True):
        if isinstance(result, NoScriptError):  # Redis restarted or flushed its scripts: limits loads it
            result = await strategy.hit(item, *parts, cost=cost)
        elif isinstance(result, Exception):
            raise result
        allowed.append(bool(result))
    return allowed


def _refuse(budget: str, item: RateLimitItem, parts: tuple[str, ...], retry_after: float) -> None:
    # Seed 002's userChatRateLimited: logged here, and put on the org's event stream by hit().
    log.info("userChatRateLimited key=%s budget=%s limit=%s", "/".join(parts), budget, item)
    raise RateLimited(f"{MESSAGES[budget]} (limit {item}); retry later", retry_after=math.ceil(retry_after))


def _log_failure(exc: Exception) -> None:
    global _last_fail_log
    now = time.monotonic()
    if now - _last_fail_log >= FAIL_LOG_INTERVAL:
        _last_fail_log = now
        log.warning(
            "rate limit shared counters failed (%s: %s); each process enforces its own", type(exc).__name__, exc
        )
