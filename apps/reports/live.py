"""What is happening now in an organisation: the live page (/org/live/) and /metrics.

Queue and assignment come from the chats' rows (index org, state,
waiting_since), today's counts from the org's local day (index org,
created_at), who is online from presence (Redis) and each staff member's own
status. Waits are measured at the moment of asking; offline chats (left while
nobody could take chats) are counted apart: they wait for the org to open, not
in a queue.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from django.db.models import Count, Q
from django.utils import timezone

from apps.accounts.auth import STAFF
from apps.accounts.models import Organisation, Staff
from apps.chats.models import Chat
from apps.core.db import db
from apps.realtime import presence


@dataclass(frozen=True, slots=True)
class Live:
    incoming_today: int  # chats started since local midnight
    missed_today: int  # of those, ended while still waiting for staff
    waiting: int  # in a queue now
    offline_waiting: int  # left while nobody could take chats, not taken yet
    assigned: int  # active chats with an agent
    avg_wait: int  # seconds the chats in a queue have waited so far, on average (0: none waiting)
    longest_wait: int  # ... and the longest
    agents_online: int  # connected, status online: can take chats
    agents_away: int  # connected, status away
    at: int  # unix seconds of the snapshot

    def as_dict(self) -> dict:
        return asdict(self)


async def live(org_id: int) -> Live:
    connected = list(await presence.online(org_id, STAFF))
    return await db(_snapshot, org_id, connected)


async def every_org() -> dict[tuple[int, str], Live]:
    """(org id, name) -> its live figures, for /metrics."""
    orgs = await db(lambda: list(Organisation.objects.order_by("pk").values_list("pk", "name")))
    return {(pk, name): await live(pk) for pk, name in orgs}


def _snapshot(org_id: int, connected: list[str]) -> Live:
    now = timezone.now()
    zone = Organisation.objects.filter(pk=org_id).values_list("timezone", flat=True).first() or "UTC"
    midnight = datetime.combine(now.astimezone(ZoneInfo(zone)).date(), time.min, ZoneInfo(zone)).astimezone(UTC)
    today = Chat.objects.filter(org_id=org_id, created_at__gte=midnight).aggregate(
        incoming=Count("pk"), missed=Count("pk", filter=Q(missed=True))
    )
    queue = Chat.objects.filter(org_id=org_id, state=Chat.REQUESTED)
    waiting = queue.filter(offline=False).values_list("waiting_since", flat=True)
    waits = [(now - since).total_seconds() for since in waiting if since]
    statuses = list(Staff.objects.filter(org_id=org_id, sid__in=connected).values_list("status", flat=True))
    return Live(
        incoming_today=today["incoming"],
        missed_today=today["missed"],
        waiting=len(waits),
        offline_waiting=queue.filter(offline=True).count(),
        assigned=Chat.objects.filter(org_id=org_id, state=Chat.ACTIVE, owner__isnull=False).count(),
        avg_wait=round(sum(waits) / len(waits)) if waits else 0,
        longest_wait=round(max(waits)) if waits else 0,
        agents_online=statuses.count(Staff.ONLINE),
        agents_away=statuses.count(Staff.AWAY),
        at=int(now.timestamp()),
    )
