"""The push-node registry (seed 004 `pushers`, `uid-pusher-addr-{uid}`) and the node heartbeat.

Every push process reports its address in the sorted set `pushers`, scored by
its number of connections, and keeps `pusher-alive-{addr}` alive with a short
TTL. `state/init` hands out the least-loaded address whose liveness key still
exists, and drops dead ones from the set as it meets them, so a node that
dies leaves the registry by itself within HORN_PUSHER_TTL seconds.
"""

from __future__ import annotations

import asyncio
import logging

from django.conf import settings
from redis.exceptions import RedisError

from apps.accounts.auth import Caller
from apps.core.redis import get_redis

from . import presence

log = logging.getLogger("horn.pushers")

PUSHERS = "pushers"
HEARTBEAT = 5.0  # seconds between registry/presence refreshes of a node, at most

_addr: str | None = None


def alive_key(addr: str) -> str:
    return f"pusher-alive-{addr}"


def user_addr_key(uid: str) -> str:
    return f"uid-pusher-addr-{uid}"


def own_addr(request=None) -> str:
    """HORN_PUSH_ADDR, else the host clients reached this process by."""
    global _addr
    if settings.HORN_PUSH_ADDR:
        return settings.HORN_PUSH_ADDR
    if _addr is None and request is not None:
        _addr = request.get_host()
    return _addr or ""


async def pick_addr(request) -> str:
    """The least-loaded live push node, else this one (also when Redis is unreachable)."""
    mine = own_addr(request)
    try:
        return await _least_loaded() or mine
    except RedisError:
        log.warning("pushers registry unreachable; handing out this node")
        return mine


async def _least_loaded() -> str | None:
    redis = get_redis()
    candidates = await redis.zrange(PUSHERS, 0, 9)
    if candidates:
        alive = await redis.mget([alive_key(a) for a in candidates])
        dead = [a for a, ok in zip(candidates, alive, strict=True) if not ok]
        if dead:
            await redis.zrem(PUSHERS, *dead)
        for addr, ok in zip(candidates, alive, strict=True):
            if ok:
                return addr
    return None


async def connected(caller: Caller) -> None:
    ttl = 2 * settings.HORN_HEARTBEAT_INTERVAL
    try:
        await presence.touch(caller.org_id, caller.role, caller.uid)
        if own_addr():
            await get_redis().set(user_addr_key(caller.uid), own_addr(), ex=ttl)
    except Exception:  # presence is best effort; delivery does not depend on it
        log.exception("recording the connection of %s failed", caller.uid)


async def disconnected(caller: Caller) -> None:
    from .hub import hub

    if any(uid == caller.uid for _, uid, _ in hub.local_uids()):
        return  # another tab of the same user is still here
    try:
        redis = get_redis()
        if own_addr() and await redis.get(user_addr_key(caller.uid)) == own_addr():
            await redis.delete(user_addr_key(caller.uid))
    except Exception:
        log.exception("recording the disconnection of %s failed", caller.uid)


async def heartbeat_loop() -> None:
    while True:
        try:
            await beat()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("node heartbeat failed")
        await asyncio.sleep(beat_period())


def beat_period() -> float:
    # Often enough to sweep presence on time, and to renew the liveness key well before it expires.
    return min(HEARTBEAT, presence.sweep_period(), settings.HORN_PUSHER_TTL / 3)


async def beat() -> None:
    """Register this node, keep its connected users online, and sweep expired presence."""
    from .hub import hub

    redis = get_redis()
    addr = own_addr()
    local = hub.local_uids()
    async with redis.pipeline(transaction=False) as pipe:
        if addr:
            pipe.zadd(PUSHERS, {addr: hub.connections})
            pipe.set(alive_key(addr), "1", ex=settings.HORN_PUSHER_TTL)
            for _, uid, _ in local:
                pipe.set(user_addr_key(uid), addr, ex=2 * settings.HORN_HEARTBEAT_INTERVAL)
        await pipe.execute()
    await presence.touch_many(local)
    await presence.sweep()
