"""Group commit: requests for one key (an organisation) that arrive while its previous batch is being
stored are stored together, in one transaction, by the next one.

A commit costs a disk flush and each statement a round trip; under load, one
transaction for many requests multiplies what the database can take, and at
low load a batch is one request and adds no wait. Batches are per event loop
(a process's requests share one) and per key, and at most one batch of a key
is in flight per loop.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

Item = TypeVar("Item")
Outcome = TypeVar("Outcome")


class Batcher(Generic[Item, Outcome]):
    """`store(key, items)` returns one outcome per item, in order; an outcome that is an exception is raised
    to that item's caller alone. If `store` itself raises, every item of the batch gets that error."""

    def __init__(self, store: Callable[[int, list[Item]], Awaitable[list]], max_batch: int = 200):
        self.store = store
        self.max_batch = max_batch
        self._queues: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[int, list]] = (
            weakref.WeakKeyDictionary()
        )

    async def submit(self, key: int, item: Item) -> Outcome:
        loop = asyncio.get_running_loop()
        queues = self._queues.setdefault(loop, {})
        future = loop.create_future()
        waiting = queues.get(key)
        if waiting is None:
            waiting = queues[key] = []
            loop.create_task(self._drain(queues, key, waiting))
        waiting.append((item, future))
        return await future

    async def _drain(self, queues: dict[int, list], key: int, waiting: list) -> None:
        try:
            while waiting:
                batch, waiting[:] = waiting[: self.max_batch], waiting[self.max_batch :]
                try:
                    outcomes = await self.store(key, [item for item, _ in batch])
                except Exception as error:  # e.g. the database is unreachable
                    outcomes = [error] * len(batch)
                answer([future for _, future in batch], outcomes)
        finally:
            del queues[key]
            for _, future in waiting:  # only if cancelled (shutdown)
                if not future.done():
                    future.cancel()


def answer(futures: list[asyncio.Future], outcomes: list) -> None:
    """Each waiting request gets its outcome: a result, or its own exception."""
    for future, outcome in zip(futures, outcomes, strict=True):
        if future.done():  # the request went away; what was stored stays stored
            continue
        if isinstance(outcome, BaseException):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)
