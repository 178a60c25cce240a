import pytest


@pytest.fixture(autouse=True)
def _no_scheduled_retention(settings):
    """The suite's server runs the retention schedule too; these tests start every run themselves."""
    settings.HORN_RETENTION_INTERVAL = 0
