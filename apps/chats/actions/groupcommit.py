"""Group commit: an organisation's concurrent posts share one transaction.

Per event loop (one per server process) and organisation, at most one content
transaction is in flight. Posts that arrive while it runs wait, and the next
transaction takes all of them (up to `MAX_BATCH`). At low load every batch is a
single post and nothing waits; under load the cost of a transaction — its
round trips, the ORM, the commit's fsync and, above all, the time the org's
sequence row stays locked — is shared by everything that queued meanwhile.
This is what lets one org take more messages per second than it can commit
transactions.

A batch's events are published together (in commit order, while the next
batch is already at the DB), then every post of it gets its outcome.
"""

from __future__ import annotations

import asyncio
import logging
import weakref

from django.db import IntegrityError

from apps.core.batching import answer
from apps.core.db import db
from apps.realtime.publish import publish

from .. import offlinemail
from .common import Sent
from .content import Post, post_content, post_contents
from .routing import settle

log = logging.getLogger("horn.groupcommit")

MAX_BATCH = 200

_Waiting = list[tuple[Post, asyncio.Future]]
_queues: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[int, _Waiting]] = weakref.WeakKeyDictionary()


async def submit(post: Post) -> Sent:
    """Store the post (in the next transaction of its org), publish it; its outcome or its error."""
    loop = asyncio.get_running_loop()
    queues = _queues.setdefault(loop, {})
    org_id = post.caller.org_id
    future = loop.create_future()
    waiting = queues.get(org_id)
    if waiting is None:
        waiting = queues[org_id] = []
        loop.create_task(_drain(queues, org_id, waiting))
    waiting.append((post, future))
    return await future


async def _drain(queues: dict[int, _Waiting], org_id: int, waiting: _Waiting) -> None:
    previous: asyncio.Future | None = None  # the last batch's publish; the next one follows it
    try:
        while waiting or (previous is not None and not previous.done()):
            if not waiting:
                await asyncio.wait([previous])  # posts arriving meanwhile are taken next
                continue
            batch = _take(waiting)
            outcomes = await _store(org_id, batch)
            # The next batch goes to the DB while this one is published.
            previous = asyncio.ensure_future(_publish_then_answer(previous, batch, outcomes))
    finally:
        del queues[org_id]
        for _, future in waiting:  # only if cancelled (shutdown)
            if not future.done():
                future.cancel()


def _take(waiting: _Waiting) -> _Waiting:
    """The oldest posts, at most one per idempotency key (a repeat waits for the next batch)."""
    batch, keys, rest = [], set(), []
    for item in waiting:
        post = item[0]
        key = (post.caller.uid, post.key) if post.key else None
        if len(batch) >= MAX_BATCH or (key is not None and key in keys):
            rest.append(item)
            continue
        batch.append(item)
        if key is not None:
            keys.add(key)
    waiting[:] = rest
    return batch


async def _store(org_id: int, batch: _Waiting) -> list:
    posts = [post for post, _ in batch]
    try:
        try:
            return await db(post_contents, org_id, posts)
        except IntegrityError:
            # Another process stored one of these keys meanwhile: each post on its own.
            return [await _alone(post) for post in posts]
    except Exception as error:  # the DB is unreachable: every post of the batch fails alike
        return [error] * len(posts)


async def _publish_then_answer(previous: asyncio.Future | None, batch: _Waiting, outcomes: list) -> None:
    if previous is not None:
        await asyncio.wait([previous])  # publishes keep commit order
    events = [event for o in outcomes if isinstance(o, Sent) for event in o.events]
    await publish(events)
    for org_id in {e.org_id for e in events if e.to_staff}:
        await settle(org_id, events)  # a visitor's message put a chat back in the queue
    offlinemail.published(events)  # a staff answer to a visitor who has gone goes by e-mail
    answer([future for _, future in batch], outcomes)


async def _alone(post: Post) -> Sent | BaseException:
    try:
        return await db(post_content, post.caller, post.data, post.key, post.digest)
    except Exception as error:
        return error
