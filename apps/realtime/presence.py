"""Who is online, from heartbeats and open connections: one sorted set per org and role.

A member is online while its last sign of life (a ping, or a push connection
refreshed by its node's heartbeat) is younger than the grace period less one
sweep period, so that the sweep announces it offline within the grace of its
last ping. The grace is two heartbeat intervals (HORN_PRESENCE_GRACE to
change it); for staff, an org may set its own (`Organisation.presence_grace`):
longer for agents on flaky networks, whose chats should not go back to the
queue at every hiccup.
Presence is ephemeral and hot, so it lives in Redis, not in seed 004's MySQL
tables. Changes are pushed to the org's staff as `presence` notices: the
ZADD that adds a member announces it online, the ZREM that removes an
expired one announces it offline, so exactly one process speaks for each.
"""

from __future__ import annotations

import time

from django.conf import settings

from apps.accounts.orgs import get_org, server_presence_grace
from apps.core.errors import InvalidValue, NotFound
from apps.core.redis import get_redis

from .events import Notice
from .publish import notify

ROLES = ("user", "staff")
ORGS = "presence-orgs"

# Coroutine functions called with (org_id, uid) when a staff member comes online
# (apps.chats registers automatic assignment here).
staff_online_hooks: list = []
# ... and when one goes offline (expired: no ping or connection for two heartbeat intervals). Called by
# the one process whose ZREM removed them (apps.chats hands their chats back to the queue here).
staff_offline_hooks: list = []


def counts(value: str | None) -> bool:
    """Query `presence` of /ws, /pull and /api/ping: absent or "1" counts the caller as online; "0" is a
    page that only watches (the admin's live page), so its owner gets no chats for having it open."""
    if value in (None, "", "1"):
        return True
    if value == "0":
        return False
    raise InvalidValue("presence must be 0 or 1", field="presence")


def key(org_id: int, role: str) -> str:
    return f"online-{role}-{org_id}"


def total_key(role: str) -> str:
    return f"online-{role}-all"


SWEEP_MAX = 5.0  # seconds between presence sweeps, at most


def sweep_period() -> float:
    return min(SWEEP_MAX, settings.HORN_HEARTBEAT_INTERVAL / 2)


def cutoff(now: float | None = None, grace: float | None = None) -> float:
    return (now or time.time()) - ((grace or server_presence_grace()) - sweep_period())


async def grace(org_id: int, role: str) -> int:
    """The grace of one org's members of `role`: the org's own for staff, when it set one."""
    if role != "staff":
        return server_presence_grace()
    try:
        org = await get_org(org_id)
    except NotFound:  # deleted meanwhile: its members expire as anyone's
        return server_presence_grace()
    if not org.presence_grace:
        return server_presence_grace()
    # Never under two heartbeats (as validated when saved), even if the interval grew since.
    return max(org.presence_grace, 2 * settings.HORN_HEARTBEAT_INTERVAL)


def bots_key(org_id: int) -> str:
    return f"available-bots-{org_id}"


async def bot_available(org_id: int, bid: str, available: bool) -> None:
    """Seed 003's application_heartbeat: a bot that says it is available keeps the org open for two intervals."""
    now = time.time()
    async with get_redis().pipeline(transaction=False) as pipe:
        pipe.zremrangebyscore(bots_key(org_id), "-inf", now)  # lapsed claims
        if available:
            pipe.zadd(bots_key(org_id), {bid: now + 2 * settings.HORN_HEARTBEAT_INTERVAL})
        else:
            pipe.zrem(bots_key(org_id), bid)
        await pipe.execute()


async def any_bot_available(org_id: int) -> bool:
    return bool(await get_redis().zcount(bots_key(org_id), time.time(), "+inf"))


async def touch(org_id: int, role: str, uid: str) -> None:
    await touch_many([(org_id, uid, role)])


async def touch_many(members: list[tuple[int, str, str]]) -> None:
    """(org_id, uid, role) are alive now; announce those who were not."""
    if not members:
        return
    now = time.time()
    async with get_redis().pipeline(transaction=False) as pipe:
        for org_id, uid, role in members:
            pipe.zadd(key(org_id, role), {uid: now})
            pipe.zadd(total_key(role), {f"{org_id}:{uid}": now})
            pipe.sadd(ORGS, org_id)
        added = (await pipe.execute())[::3]
    for (org_id, uid, role), new in zip(members, added, strict=True):
        if new:
            await notify(Notice(org_id, "presence", {"uid": uid, "role": role, "online": True}))
            if role == "staff":
                for hook in staff_online_hooks:
                    await hook(org_id, uid)


async def sweep() -> None:
    """Remove expired members and announce them offline."""
    redis = get_redis()
    edge = cutoff()
    for org_id in await redis.smembers(ORGS):
        for role in ROLES:
            org_edge = cutoff(grace=await grace(int(org_id), role))
            expired = await redis.zrangebyscore(key(org_id, role), "-inf", org_edge)
            for uid in expired:
                if await redis.zrem(key(org_id, role), uid):
                    await notify(Notice(int(org_id), "presence", {"uid": uid, "role": role, "online": False}))
                    if role == "staff":
                        for hook in staff_offline_hooks:
                            await hook(int(org_id), uid)
    # The platform-wide counts go by the server's grace, whatever an org chose.
    for role in ROLES:
        await redis.zremrangebyscore(total_key(role), "-inf", edge)


async def online(org_id: int, role: str) -> dict[str, float]:
    """uid -> last sign of life (unix seconds) of those online now."""
    edge = cutoff(grace=await grace(org_id, role))
    rows = await get_redis().zrangebyscore(key(org_id, role), edge, "+inf", withscores=True)
    return dict(rows)


async def is_online(org_id: int, role: str, uid: str) -> bool:
    score = await get_redis().zscore(key(org_id, role), uid)
    return score is not None and score >= cutoff(grace=await grace(org_id, role))


async def count_all(role: str) -> int:
    return await get_redis().zcount(total_key(role), cutoff(), "+inf")
