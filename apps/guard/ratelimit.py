"""Rate limits on every endpoint that writes: per visitor, per client IP, per staff member, per bot key.

One line in a view: `await ratelimit.check(request, caller, "message")`
(kinds: "track", "message", "request_chat", "files"). It raises
`RateLimited` (HTTP 429, `Retry-After`, code 6001) *before* the view writes
anything, so a refused request changes nothing.

Counters live in Redis (HORN_REDIS_URL) or in process memory (embedded), kept
by the `limits` library with its sliding window counter: two integers per key
and one short Lua script per hit. The moving window would be exact but keeps
one list entry per hit (600 per IP at the default), and a fixed window lets a
client send twice its limit across a window boundary; the sliding window
counter's weighted estimate is within a few percent of exact and costs O(1).

Latency: the items of one request (e.g. visitor messages 20/10 s and 300/h,
and the IP's 600/min) go to Redis in one pipeline, so a request costs one
round trip whatever their number (`_hit_pipelined`: limits' own sliding-window
script, keys and arguments, sent together). If Redis fails, the request goes through
(fail open) with a warning in the log: a Redis hiccup must not take the API
down; what it lets through is bounded by the per-connection ws bucket and the
next working check.
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
from limits.aio.storage import RedisStorage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.storage import storage_from_string
from redis.exceptions import NoScriptError

from apps.accounts.auth import BOT, STAFF, Caller
from apps.core.errors import RateLimited

from .clientip import client_ip

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


def items(budget: str) -> tuple[RateLimitItem, ...]:
    """The limits of one budget, read from settings on use (tests override them)."""
    name = SETTING[budget]
    return _parse(name, getattr(settings, name))


def validate_settings() -> None:
    for budget in SETTING:
        items(budget)


# One limiter per event loop: the async Redis client (and the memory
# storage's locks) belong to the loop that created them. Kept with the URI it
# was made for, so a changed setting (tests) makes a new one.
_limiters: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, tuple[str, SlidingWindowCounterRateLimiter]] = (
    weakref.WeakKeyDictionary()
)


def _storage_uri() -> str:
    url = settings.HORN_RATE_REDIS_URL or settings.HORN_REDIS_URL
    if not url:
        return "async+memory://"
    return "async+" + url  # redis://host:port/db -> async+redis://host:port/db (rediss:// too)


def _make_limiter(uri: str) -> SlidingWindowCounterRateLimiter:
    options: dict[str, Any] = {}
    if uri != "async+memory://":
        # redis-py (already Horn's client) rather than limits' default coredis. Short
        # timeouts: a stalled Redis must fail open quickly, not hold requests for seconds.
        options = {
            "implementation": "redispy",
            "socket_connect_timeout": 1,
            "socket_timeout": 1,
            "max_connections": settings.HORN_REDIS_MAX_CONNECTIONS,
        }
    return SlidingWindowCounterRateLimiter(storage_from_string(uri, **options))


def limiter() -> SlidingWindowCounterRateLimiter:
    loop = asyncio.get_running_loop()
    uri = _storage_uri()
    found = _limiters.get(loop)
    if found is None or found[0] != uri:
        found = _limiters[loop] = (uri, _make_limiter(uri))
    return found[1]


def forget() -> None:
    """Start from empty counters (tests); the Redis keys go with the test's flushdb."""
    _limiters.clear()


def message_kind(data: dict) -> str:
    """The budget of a POST /api/message body (or /ws frame): opening a chat has its own, tighter one."""
    return "request_chat" if data.get("type") == "request_chat" else "message"


def _checks(kind: str, caller: Caller | None, ip: str | None) -> list[tuple[str, RateLimitItem, tuple[str, ...]]]:
    """(budget, item, key parts) for every item this write counts against."""
    if caller is not None and caller.role in (STAFF, BOT):
        # Staff and bots are limited per credential, not per IP: a bot server or an
        # office is one address for many legitimate writes.
        return [(caller.role, item, (caller.role, caller.uid)) for item in items(caller.role)]
    out = []
    if caller is not None:
        for budget in VISITOR_BUDGETS[kind]:
            out += [(budget, item, (budget, caller.uid)) for item in items(budget)]
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
    checks = _checks(kind, caller, ip)
    if not checks:
        return
    try:
        strategy = limiter()
        if isinstance(strategy.storage, RedisStorage):
            allowed = await _hit_pipelined(strategy, [(item, parts) for _, item, parts in checks])
        else:  # in process memory: no round trips to save
            allowed = [await strategy.hit(item, *parts) for _, item, parts in checks]
    except Exception as exc:
        _log_failure(exc)
        return
    for (budget, item, parts), ok in zip(checks, allowed, strict=True):
        if not ok:
            await _refuse(strategy, budget, item, parts, caller)


async def _hit_pipelined(
    strategy: SlidingWindowCounterRateLimiter, checks: list[tuple[RateLimitItem, tuple[str, ...]]]
) -> list[bool]:
    """`strategy.hit` for every item, in one round trip: the same script on the same keys, pipelined.

    limits runs one EVALSHA per item; this sends them together (no MULTI: each
    script is atomic on its own keys, as in limits). It reads limits' key layout
    (RedisStorage._current/_previous_window_key, the bridge's prefix and script),
    which is why requirements.txt pins limits; tests/guard checks it against
    limits' own reads in the production configuration.
    """
    storage = strategy.storage
    bridge = storage.bridge
    script = bridge.lua_acquire_sliding_window
    async with bridge.get_connection().pipeline(transaction=False) as pipe:
        for item, parts in checks:
            key = item.key_for(*parts)
            previous = bridge.prefixed_key(storage._previous_window_key(key))
            current = bridge.prefixed_key(storage._current_window_key(key))
            pipe.evalsha(script.sha, 2, previous, current, item.amount, item.get_expiry(), 1)
        results = await pipe.execute(raise_on_error=False)
    allowed = []
    for (item, parts), result in zip(checks, results, strict=True):
        if isinstance(result, NoScriptError):  # Redis restarted or flushed its scripts: limits loads it
            result = await strategy.hit(item, *parts)
        elif isinstance(result, Exception):
            raise result
        allowed.append(bool(result))
    return allowed


async def _refuse(strategy, budget: str, item: RateLimitItem, parts: tuple[str, ...], caller: Caller | None) -> None:
    try:
        stats = await strategy.get_window_stats(item, *parts)
        retry_after = math.ceil(stats.reset_time - time.time())
    except Exception:  # the hit was refused; only the hint failed
        retry_after = item.get_expiry()
    # Seed 002 names this event userChatRateLimited; until the event stream exists, a log line.
    log.info(
        "userChatRateLimited org=%s uid=%s budget=%s limit=%s",
        caller.org_id if caller else "-",
        caller.uid if caller else "-",
        budget,
        item,
    )
    raise RateLimited(f"{MESSAGES[budget]} (limit {item}); retry later", retry_after=retry_after)


def _log_failure(exc: Exception) -> None:
    global _last_fail_log
    now = time.monotonic()
    if now - _last_fail_log >= FAIL_LOG_INTERVAL:
        _last_fail_log = now
        log.warning("rate limit storage failed (%s: %s); letting requests through", type(exc).__name__, exc)
