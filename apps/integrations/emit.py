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
