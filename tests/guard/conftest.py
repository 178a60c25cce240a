"""Rate limits on, and small, for the tests about them; the server runs in-process, so settings apply to it."""

from __future__ import annotations

import pytest


@pytest.fixture
def limits(settings):
    """Limits small enough to reach in a few requests; each test tightens the one it is about."""
    settings.HORN_RATE_LIMITS = True
    settings.HORN_RATE_MESSAGE = "1000/hour"
    settings.HORN_RATE_REQUEST_CHAT = "1000/hour"
    settings.HORN_RATE_TRACK = "1000/hour"
    settings.HORN_RATE_FILES = "1000/hour"
    settings.HORN_RATE_IP = "100000/hour"
    settings.HORN_RATE_STAFF = "1000/hour"
    settings.HORN_RATE_BOT = "1000/hour"
    return settings


@pytest.fixture
def behind_proxy(settings):
    """The test client (127.0.0.1) plays a reverse proxy we trust: its X-Forwarded-For is believed."""
    settings.HORN_TRUSTED_PROXIES = "127.0.0.1, 10.0.0.0/8"
    return settings


@pytest.fixture(autouse=True)
def no_leaked_subscriptions():
    """A socket closed by a ban, or a long-poll answered by one, must leave nothing in the hub."""
    import time

    from apps.realtime.hub import hub

    yield
    deadline = time.monotonic() + 5
    while hub.connections and time.monotonic() < deadline:
        time.sleep(0.05)
    assert hub.connections == 0, "a push subscription outlived its connection"
