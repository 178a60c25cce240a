"""A short-lived per-process cache of what auth needs to know about an organisation.

The allow-list check runs on every visitor request; a few seconds of staleness
is the price of not querying for it each time. An admin's change through the
settings (apps.accounts.orgsettings) calls `changed()`, which drops the entry
here and, through the hook apps.realtime registers, in every other process.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from django.conf import settings

from apps.core.db import db
from apps.core.errors import NotFound

from .models import Organisation
from .widget import effective as effective_widget

TTL_SECONDS = 10.0


@dataclass(frozen=True, slots=True)
class OrgInfo:
    id: int
    name: str
    allowed_origins: frozenset[str]
    auto_assign: bool = False
    business_hours: dict = field(default_factory=dict)
    timezone: str = "UTC"
    require_identity: bool = False
    max_file_size: int | None = None
    accepted_file_types: tuple[str, ...] = ()
    # The identity HMAC key (apps.visitors.identity). It never leaves the process; kept out of repr so
    # a logged OrgInfo does not print it.
    secret: str = field(default="", repr=False)
    widget: dict = field(default_factory=dict)  # the widget settings, complete (apps.accounts.widget.effective)
    presence_grace: int | None = None  # None: the server's (apps.realtime.presence)
    rate_limits: dict = field(default_factory=dict)  # kind -> limit string (apps.accounts.limits)


_cache: dict[int, tuple[float, OrgInfo]] = {}


def server_presence_grace() -> int:
    """Seconds an org's staff may be silent before they count as gone, unless the org set its own."""
    return settings.HORN_PRESENCE_GRACE or 2 * settings.HORN_HEARTBEAT_INTERVAL


def _load(org_id: int) -> OrgInfo | None:
    row = (
        Organisation.objects.filter(pk=org_id)
        .values(
            "id",
            "name",
            "allowed_origins",
            "auto_assign",
            "business_hours",
            "timezone",
            "require_identity",
            "max_file_size",
            "accepted_file_types",
            "secret",
            "widget",
            "presence_grace",
            "rate_limits",
        )
        .first()
    )
    if row is None:
        return None
    origins = frozenset(o.rstrip("/") for o in row["allowed_origins"] or [] if isinstance(o, str))
    hours = row["business_hours"] if isinstance(row["business_hours"], dict) else {}
    types = tuple(t for t in row["accepted_file_types"] or [] if isinstance(t, str))
    return OrgInfo(
        row["id"],
        row["name"],
        origins,
        row["auto_assign"],
        hours,
        row["timezone"],
        row["require_identity"],
        row["max_file_size"],
        types,
        row["secret"],
        effective_widget(row["widget"]),
        row["presence_grace"],
        row["rate_limits"] if isinstance(row["rate_limits"], dict) else {},
    )


async def get_org(org_id: int) -> OrgInfo:
    """The org, or NotFound (field `cid`)."""
    hit = _cache.get(org_id)
    now = time.monotonic()
    if hit is not None and hit[0] >= now:
        return hit[1]
    info = await db(_load, org_id)  # misses are not cached: a new org works at once
    if info is None:
        raise NotFound("organisation not found", field="cid")
    _cache[org_id] = (now + TTL_SECONDS, info)
    return info


def forget_all() -> None:
    _cache.clear()


def forget(org_id: int) -> None:
    _cache.pop(org_id, None)


# Called with the org id after forget() here, to tell the other processes (apps.realtime registers a
# broadcast at start-up: accounts sits below realtime, so it cannot import it).
change_hooks: list = []


def changed(org_id: int) -> None:
    """An org's settings changed (after commit): nobody may go on serving the old ones."""
    forget(org_id)
    for hook in change_hooks:
        hook(org_id)
