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


@pytest.fixture(autouse=True)
def _hub_released(no_leaked_subscriptions):
    """A socket closed by a ban, or a long-poll answered by one, must leave nothing in the hub."""
