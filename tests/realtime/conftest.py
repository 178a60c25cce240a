import pytest


@pytest.fixture(autouse=True)
def _hub_released(no_leaked_subscriptions):
    """Push tests open sockets and long-polls: each must be released once it closes."""
