"""Each visitor's upload budget: bytes per 24 hours, counted in Redis so every process shares it.

Visitors are anonymous and many; without a budget one script could fill the
disk through a single widget. Staff and bots are trusted (they are the org's
own) and are not counted. The window is fixed: it starts with a visitor's
first upload and ends 24 hours later (a sliding window would need a sorted
set per visitor for no real gain).
"""

from __future__ import annotations

from contextlib import asynccontextmanager

from django.conf import settings

from apps.accounts.auth import USER, Caller
from apps.core.errors import UploadBudgetExceeded
from apps.core.redis import get_redis

WINDOW = 24 * 3600  # seconds


def budget_key(org_id: int, uid: str) -> str:
    return f"horn:upload-budget:{org_id}:{uid}"


@asynccontextmanager
async def reserved(caller: Caller, size: int, field: str = "file"):
    """Take `size` bytes of the visitor's budget; given back if the upload then fails."""
    if caller.role != USER:
        yield
        return
    redis, key = get_redis(), budget_key(caller.org_id, caller.uid)
    async with redis.pipeline(transaction=True) as pipe:
        pipe.set(key, 0, ex=WINDOW, nx=True)  # the first upload of a window starts its clock
        pipe.incrby(key, size)
        pipe.ttl(key)
        _, used, ttl = await pipe.execute()
    if used > settings.HORN_VISITOR_UPLOAD_BUDGET:
        await _give_back(redis, key, size)
        raise UploadBudgetExceeded(
            f"upload budget of {settings.HORN_VISITOR_UPLOAD_BUDGET:,} bytes per 24 hours used up",
            field=field,
            retry_after=max(1, ttl),
        )
    try:
        yield
    except BaseException:
        await _give_back(redis, key, size)  # only what was stored counts
        raise


async def _give_back(redis, key: str, size: int) -> None:
    # If the window ended meanwhile, DECRBY made a fresh key (negative, with no expiry): drop it.
    if await redis.decrby(key, size) <= 0:
        await redis.delete(key)
