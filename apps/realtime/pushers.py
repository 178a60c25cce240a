"""The push-node registry (seed 004 `pushers`): which address a client should connect to.

Each push node's address is a member of the sorted set `pushers`, scored by its
current load. Until a node has registered, the address the client used to
reach us is the push address.
"""

from __future__ import annotations

from django.conf import settings

from apps.core.redis import get_redis

PUSHERS = "pushers"


def own_addr(request) -> str:
    return settings.HORN_PUSH_ADDR or request.get_host()


async def pick_addr(request) -> str:
    """The least-loaded registered push node, else this one."""
    rows = await get_redis().zrange(PUSHERS, 0, 0)
    return rows[0] if rows else own_addr(request)
