"""Running retention: by hand (`manage.py horn_retention`) or on a schedule inside every server process.

Every process of a cluster runs the schedule's loop, but one run at a time
does the work: a run holds a Redis lock (SET NX with a TTL, renewed while
it runs, released only by its holder). The time of the last finished run is
kept in Redis too, so a cluster runs retention about once per
HORN_RETENTION_INTERVAL however many processes it has and however often they
restart. A run that loses its lock (Redis gone, a pause longer than the TTL)
stops at the next batch; the next run carries on where it stopped, since a
run only ever deletes what is old.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections, connection

from apps.core.redis import get_redis

from .retention import Deleted, run_all

log = logging.getLogger("horn.retention")

LOCK = "horn:retention:lock"
LAST = "horn:retention:last"  # unix time of the last finished scheduled run
LOCK_TTL = 60  # seconds: a holder that died frees the lock this soon
RENEW = LOCK_TTL / 3
CHECK = 60.0  # seconds between a process's looks at whether a run is due

# Renew or release the lock only if it is still ours (another may hold it after a TTL expiry).
_RENEW = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('EXPIRE', KEYS[1], ARGV[2]) end return 0"
_RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"


class Busy(Exception):
    """Another process holds the retention lock."""


async def run_locked(*, org_id: int | None = None, batch: int | None = None) -> dict[int, Deleted]:
    """One retention run under the cluster-wide lock; Busy if another run holds it."""
    redis, token = get_redis(), secrets.token_hex(16)
    if not await redis.set(LOCK, token, nx=True, ex=LOCK_TTL):
        raise Busy("another retention run is in progress")
    lost = threading.Event()
    keeper = asyncio.create_task(_keep(token, lost))
    try:
        # On a thread of its own, not the request DB pool's (apps/core/db.py): a run takes minutes, mostly
        # resting between batches, and would hold one of the threads requests need for all of them.
        return await sync_to_async(_run, thread_sensitive=False, executor=_thread)(org_id, batch, lost.is_set)
    finally:
        lost.set()  # also when this task is cancelled: the DB thread stops at its next batch
        keeper.cancel()
        await redis.eval(_RELEASE, 1, LOCK, token)


_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="horn-retention")


def _run(org_id: int | None, batch: int | None, stop) -> dict[int, Deleted]:
    close_old_connections()
    try:
        return run_all(org_id=org_id, batch=batch, stop=stop)
    finally:
        connection.close()  # the next run is an interval away: hold no connection until then


async def _keep(token: str, lost: threading.Event) -> None:
    while True:
        await asyncio.sleep(RENEW)
        try:
            renewed = await get_redis().eval(_RENEW, 1, LOCK, token, LOCK_TTL)
        except Exception:
            log.exception("renewing the retention lock failed")
            renewed = 0
        if not renewed:
            log.warning("retention lock lost; this run stops at the next batch")
            lost.set()
            return


async def tick(interval: int | None = None) -> bool:
    """Run retention if the last run is older than the interval (default HORN_RETENTION_INTERVAL) and no one
    else is running it. Ran or not."""
    interval = settings.HORN_RETENTION_INTERVAL if interval is None else interval
    if not interval:
        return False
    redis = get_redis()
    last = await redis.get(LAST)
    if last is not None and time.time() - float(last) < interval:
        return False
    try:
        await run_locked()
    except Busy:
        return False
    await redis.set(LAST, time.time())
    return True


async def loop() -> None:
    """The scheduled task every server process runs (started with the hub, horn/asgi.py's lifespan)."""
    while True:
        await asyncio.sleep(CHECK)
        try:
            await tick()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("scheduled retention run failed; the next check retries")
