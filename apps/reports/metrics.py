"""GET /metrics: the live figures of every organisation, and the process's own, for Prometheus.

Protected by a bearer token (`HORN_METRICS_TOKEN`): the figures tell how busy
each customer is. Without a token configured the endpoint does not exist (404),
so a deployment never exposes it by accident; a wrong or missing token is 401.
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import HttpResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector

from apps.core.errors import AuthRequired, BadToken, NoSuchEndpoint
from apps.core.http import api_view

from .live import Live, every_org

# Live field -> (metric name, help); one gauge each, labelled by organisation.
GAUGES = {
    "incoming_today": ("horn_chats_incoming_today", "Chats started since the organisation's local midnight"),
    "missed_today": ("horn_chats_missed_today", "Chats started today that ended while waiting for staff"),
    "waiting": ("horn_chats_waiting", "Chats waiting in a queue now"),
    "offline_waiting": ("horn_chats_offline_waiting", "Chats left while nobody could take chats, not yet taken"),
    "assigned": ("horn_chats_assigned", "Active chats with an agent"),
    "avg_wait": ("horn_wait_average_seconds", "Average time the chats in a queue have waited so far"),
    "longest_wait": ("horn_wait_longest_seconds", "Longest time a chat in a queue has waited so far"),
    "agents_online": ("horn_agents_online", "Staff connected with status online"),
    "agents_away": ("horn_agents_away", "Staff connected with status away"),
}


class _Snapshot:
    """A collector that yields figures read before the scrape is rendered (the DB is read on a DB thread)."""

    def __init__(self, orgs: dict[tuple[int, str], Live]):
        self.orgs = orgs

    def collect(self):
        for field, (name, text) in GAUGES.items():
            family = GaugeMetricFamily(name, text, labels=["org_id", "org"])
            for (pk, name), live in self.orgs.items():
                family.add_metric([str(pk), name], getattr(live, field))
            yield family


@api_view("GET")
async def metrics(request):
    token = settings.HORN_METRICS_TOKEN
    if not token:
        raise NoSuchEndpoint("metrics are off: set HORN_METRICS_TOKEN")
    given = request.headers.get("Authorization", "")
    if not given:
        raise AuthRequired("send Authorization: Bearer <HORN_METRICS_TOKEN>")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        raise BadToken("wrong metrics token")
    registry = CollectorRegistry(auto_describe=False)
    ProcessCollector(registry=registry)
    PlatformCollector(registry=registry)
    registry.register(_Snapshot(await every_org()))
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
