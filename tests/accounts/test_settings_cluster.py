"""Across processes: a setting saved through one server process is served by another at once, not after
that process's org cache expires (apps.accounts.orgs, TTL_SECONDS)."""

from __future__ import annotations

import time

import httpx
import pytest
from django.conf import settings

from apps.accounts import orgs
from tests.conftest import ORIGIN_A
from tests.helpers import ok
from tests.realtime.cluster import Node

pytestmark = pytest.mark.skipif(
    not settings.HORN_REDIS_URL or not settings.HORN_DATABASE_URL.startswith("mysql"),
    reason="several server processes need the production configuration (MariaDB + Redis)",
)


@pytest.fixture
def nodes(horn):
    started = [Node("a").start(), Node("b").start()]
    yield started
    for node in started:
        node.stop()


def test_a_colour_saved_on_one_process_is_served_by_another_before_its_cache_would_expire(horn, world, nodes):
    a, b = nodes

    def colour_on_b() -> str:
        r = httpx.get(b.url + "/api/widget/config", params={"cid": world.acme.pk}, headers={"Origin": ORIGIN_A})
        return ok(r)["widget"]["colour"]

    assert colour_on_b() == "#1f4e8c"  # B now holds Acme in its cache for TTL_SECONDS
    saved = time.monotonic()
    ok(httpx.patch(a.url + "/api/org/settings", json={"widget": {"colour": "#b5179e"}}, headers=world.alice.auth))
    # The broadcast travels through Redis: B may need a moment, never the cache's whole TTL.
    while colour_on_b() != "#b5179e":
        assert time.monotonic() - saved < orgs.TTL_SECONDS / 2, "B kept serving the old colour"
        time.sleep(0.05)
