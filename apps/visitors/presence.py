"""Who is online, from heartbeats: one sorted set per org and role, scored by last ping.

Presence is ephemeral and hot (every ping), so it lives in Redis, not in the
seed's MySQL tables: a member is online while its last ping is younger than
two heartbeat intervals (one missed ping is tolerated).
"""

from __future__ import annotations

import time

from django.conf import settings

from apps.core.redis import get_redis

ROLES = ("user", "staff")


def key(org_id: int, role: str) -> str:
    return f"online-{role}-{org_id}"


def total_key(role: str) -> str:
    return f"online-{role}-all"


def cutoff(now: float | None = None) -> float:
    return (now or time.time()) - 2 * settings.HORN_HEARTBEAT_INTERVAL


async def touch(org_id: int, role: str, uid: str) -> None:
    now = time.time()
    async with get_redis().pipeline(transaction=False) as pipe:
        pipe.zadd(key(org_id, role), {uid: now})
        pipe.zadd(total_key(role), {f"{org_id}:{uid}": now})
        await pipe.execute()


async def online(org_id: int, role: str) -> dict[str, float]:
    """uid -> last ping (unix seconds) of those online now; trims the expired."""
    redis = get_redis()
    edge = cutoff()
    async with redis.pipeline(transaction=False) as pipe:
        pipe.zremrangebyscore(key(org_id, role), "-inf", edge)
        pipe.zrangebyscore(key(org_id, role), edge, "+inf", withscores=True)
        _, rows = await pipe.execute()
    return dict(rows)


async def count_all(role: str) -> int:
    redis = get_redis()
    edge = cutoff()
    await redis.zremrangebyscore(total_key(role), "-inf", edge)
    return await redis.zcard(total_key(role))
