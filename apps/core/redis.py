"""The Redis client: real Redis when HORN_REDIS_URL is set, an in-process stand-in otherwise.

redis.asyncio clients are bound to the event loop that created them, so there is
one client per loop. The pool is a *blocking* pool of a deliberate size:
redis-py's default pool raises `MaxConnectionsError` when full, which turned
connect bursts into HTTP 500s; a blocking pool makes a burst wait instead.
Connections that a Redis restart broke are reconnected and the command
retried (a few times, backing off), so a restart costs latency, not errors.
"""

from __future__ import annotations

import asyncio
import weakref

import fakeredis
from django.conf import settings
from redis import asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError, TimeoutError

_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, aioredis.Redis] = weakref.WeakKeyDictionary()
_fake_server = fakeredis.FakeServer()


def _make_client() -> aioredis.Redis:
    url = settings.HORN_REDIS_URL
    if not url:
        return fakeredis.FakeAsyncRedis(server=_fake_server, decode_responses=True)
    pool = aioredis.BlockingConnectionPool.from_url(
        url,
        max_connections=settings.HORN_REDIS_MAX_CONNECTIONS,
        timeout=settings.HORN_REDIS_POOL_TIMEOUT,
        decode_responses=True,
        socket_connect_timeout=2,
        socket_timeout=5,
        health_check_interval=30,
        # A pooled connection that died with a Redis restart is found out by the health check or
        # the next command; reconnect and retry (our commands are idempotent) instead of failing.
        retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), 3),
        retry_on_error=[ConnectionError, TimeoutError],
    )
    return aioredis.Redis(connection_pool=pool)


def get_redis() -> aioredis.Redis:
    loop = asyncio.get_running_loop()
    client = _clients.get(loop)
    if client is None:
        client = _clients[loop] = _make_client()
    return client


def fake_server() -> fakeredis.FakeServer:
    """The shared in-process server of the embedded default (for the channel layer and tests)."""
    return _fake_server
