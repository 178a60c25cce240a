"""A lease in Redis: of all the processes that run a loop, the holder does the work (the event-stream relay,
the webhook worker). Taken with SET NX and a TTL, renewed by its holder each round; if the holder dies,
another process takes it once the TTL lapses.
"""

from __future__ import annotations

import os
import secrets
import socket

from django.conf import settings

from .redis import get_redis


class Lease:
    def __init__(self, key: str) -> None:
        self.key = key
        # Who holds it, readable by an operator (and a test): this process, then a random part.
        self.token = f"{os.environ.get('HORN_SERVICE_ID') or socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"

    async def hold(self) -> tuple[bool, bool]:
        """(held, newly taken): renew it if it is ours, take it if it is free."""
        redis = get_redis()
        ttl = settings.HORN_EVENT_STREAM_LEASE_MS
        if await redis.set(self.key, self.token, nx=True, px=ttl):
            return True, True
        if await redis.get(self.key) == self.token:
            await redis.pexpire(self.key, ttl)
            return True, False
        return False, False
