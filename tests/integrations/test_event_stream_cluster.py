"""The event stream with two server processes: one relay at a time, and another takes over when it dies.

Separate uvicorn processes on the suite's MariaDB and Redis (the production configuration; CI has it).
"""

from __future__ import annotations

import httpx
import pytest
from django.conf import settings

from apps.integrations.models import StreamCheckpoint
from apps.integrations.stream import LEASE
from tests.conftest import _sync_redis
from tests.helpers import join, ok, request_chat, text, track
from tests.integrations.test_event_stream import entries, stored, wait_for
from tests.realtime.cluster import Node

pytestmark = pytest.mark.skipif(
    not settings.HORN_REDIS_URL or not settings.HORN_DATABASE_URL.startswith("mysql"),
    reason="several server processes need the production configuration (MariaDB + Redis)",
)

NODE_ENV = {
    "HORN_RATE_LIMITS": "0",
    "HORN_EVENT_STREAM": "1",
    "HORN_EVENT_STREAM_LEASE_MS": "1000",
    "HORN_EVENT_STREAM_PERIOD_MS": "50",
}


def test_when_the_relay_process_dies_another_appends_the_rest_once(horn, world):
    nodes = [Node("a", NODE_ENV).start(), Node("b", NODE_ENV).start()]
    try:
        clients = [httpx.Client(base_url=node.url, timeout=20) for node in nodes]
        visitor = track(horn, world.acme.pk)
        chat_id = request_chat(clients[0], visitor)
        join(clients[1], world.alice, chat_id)
        for i in range(20):
            ok(text(clients[i % 2], visitor if i % 3 else world.alice, chat_id, f"before {i}"))
        rows = stored(world.acme.pk)
        wait_for(lambda: len(entries(world.acme.pk)) >= len(rows))
        # Kill the process that holds the relay's lease; the other must take over.
        holder = _sync_redis().get(LEASE).split(":")[0]
        dead, alive = (0, 1) if holder == "a" else (1, 0)
        nodes[dead].kill()
        for i in range(20):
            ok(text(clients[alive], visitor if i % 3 else world.alice, chat_id, f"after {i}"))
        # The survivor appended those itself; once its relay has the lease, that relay appends from the
        # database whatever is missing: here, everything, as Redis lost the stream and no checkpoint is left.
        wait_for(lambda: (_sync_redis().get(LEASE) or "").split(":")[0] == "ab"[alive])
        last = stored(world.acme.pk)[-1].seq
        wait_for(lambda: StreamCheckpoint.objects.filter(org_id=world.acme.pk, seq=last).exists())
        StreamCheckpoint.objects.all().delete()  # (the relay has noted this stream's end: it writes no more)
        _sync_redis().delete(f"horn:events:{world.acme.pk}")
        ok(text(clients[alive], visitor, chat_id, "after the loss"))
        rows = stored(world.acme.pk)
        got = wait_for(lambda: (e := entries(world.acme.pk)) and len(e) >= len(rows) and e)
        assert [entry_id for entry_id, _ in got] == [f"{m.seq}-0" for m in rows]
        assert len({e["id"] for _, e in got}) == len(rows)
    finally:
        for client in clients:
            client.close()
        for node in nodes:
            node.stop()
