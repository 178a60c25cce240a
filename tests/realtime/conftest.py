import time

import pytest

from apps.realtime.hub import hub


@pytest.fixture(autouse=True)
def no_leaked_subscriptions():
    """Every connection a test opened must be released once it closes (no leaks in the hub)."""
    yield
    deadline = time.monotonic() + 5
    while hub.connections and time.monotonic() < deadline:
        time.sleep(0.05)
    assert hub.connections == 0, "a push subscription outlived its connection"
