"""Running ORM code from async views: a bounded pool of DB threads.

Django runs sync code reached from async code on *one* thread per process
(`thread_sensitive=True`), so every DB round trip of every request queues behind
the others. Hot paths instead hand their (short, transactional) domain action to
this pool: each thread keeps its own persistent connection, and several
requests overlap their round trips. The pool size bounds the DB connections a
process holds.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections

T = TypeVar("T")
_executor: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=settings.HORN_DB_THREADS, thread_name_prefix="horn-db")
    return _executor


def _call(fn: Callable[..., T], args, kwargs) -> T:
    # Connections live across calls (CONN_MAX_AGE=None); this marks them for a
    # health check on first use, so one dropped by the server (wait_timeout,
    # restart) is replaced instead of failing the request.
    close_old_connections()
    return fn(*args, **kwargs)


async def db(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run `fn(*args, **kwargs)` on a DB thread and await its result."""
    return await sync_to_async(_call, thread_sensitive=False, executor=_pool())(fn, args, kwargs)
