"""Can the organisation take chats now? (seed 003 `platform_closed`)

It can while it is within its business hours and at least one staff member is
available (status `online` and connected or pinging: presence), or a bot
connected to /bot said it is (seed 003's `application_heartbeat`). Otherwise a
visitor who asks for a chat is told `platform_closed` (with the reason, and
when it opens next if the hours say) and the chat is opened as an offline
chat: it waits in the queue like any other, marked `offline`, and what the
visitor writes into it is there for staff when they come.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.utils import timezone

from apps.accounts import hours
from apps.accounts.auth import STAFF
from apps.accounts.models import Staff
from apps.accounts.orgs import OrgInfo
from apps.core.db import db
from apps.realtime import presence

OUTSIDE_HOURS, NOBODY_AVAILABLE = "outside_hours", "nobody_available"


@dataclass(frozen=True, slots=True)
class Availability:
    open: bool
    reason: str = ""  # why not: OUTSIDE_HOURS or NOBODY_AVAILABLE
    next_open: int | None = None  # unix seconds, when the hours say

    def as_dict(self) -> dict:
        out: dict = {"open": self.open}
        if self.reason:
            out["reason"] = self.reason
        if self.next_open is not None:
            out["next_open"] = self.next_open
        return out


OPEN = Availability(True)


async def check(org: OrgInfo, online_staff: list[str] | None = None) -> Availability:
    """`online_staff`: the org's staff present now, if the caller already has them."""
    now = timezone.now()
    if not hours.is_open(org.business_hours, org.timezone, now):
        nxt = hours.next_opening(org.business_hours, org.timezone, now)
        return Availability(False, OUTSIDE_HOURS, int(nxt.timestamp()) if nxt else None)
    if online_staff is None:
        online_staff = list(await presence.online(org.id, STAFF))
    if online_staff and await db(_any_taking_chats, org.id, online_staff):
        return OPEN
    if await presence.any_bot_available(org.id):  # a bot on /bot that said so (application_heartbeat)
        return OPEN
    return Availability(False, NOBODY_AVAILABLE)


def _any_taking_chats(org_id: int, sids: list[str]) -> bool:
    return Staff.objects.filter(org_id=org_id, sid__in=sids, status=Staff.ONLINE).exists()


CACHE_SECONDS = 2.0
_cache: dict[int, tuple[float, Availability]] = {}


async def cached(org: OrgInfo) -> Availability:
    """For reads (state/init): a couple of seconds stale at most, one check per org and process."""
    hit = _cache.get(org.id)
    now = time.monotonic()
    if hit is not None and hit[0] >= now:
        return hit[1]
    result = await check(org)
    _cache[org.id] = (now + CACHE_SECONDS, result)
    return result


def forget() -> None:
    _cache.clear()
