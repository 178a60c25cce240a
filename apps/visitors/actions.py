"""track: a visitor reports a page view; a new visitor gets an id and a token."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from redis.exceptions import RedisError

from apps.core import ids
from apps.core.db import db
from apps.core.errors import NotFound
from apps.realtime.events import Notice
from apps.realtime.publish import notify

from . import presence, tokens
from .models import Visit, Visitor

log = logging.getLogger("horn.visitors")

PAGE_FIELDS = ("url", "title", "referer", "os", "browser")


@dataclass(frozen=True, slots=True)
class Tracked:
    uid: str
    track_id: str
    token: str


async def track(*, org_id: int, vid: str | None, data: dict, ip: str | None) -> Tracked:
    tracked = await db(_store_visit, org_id, vid, data, ip)
    try:
        await presence.touch(org_id, "user", tracked.uid)
    except RedisError:  # the visit is stored; presence catches up with the next ping
        log.warning("presence update failed for %s", tracked.uid)
    # Seed 004: the org's staff are told the visitor list changed, and re-fetch it.
    await notify(Notice(org_id, "visitors_changed", {"uid": tracked.uid}))
    return tracked


def _store_visit(org_id: int, vid: str | None, data: dict, ip: str | None) -> Tracked:
    with transaction.atomic():
        if vid is None:
            visitor = Visitor.objects.create(org_id=org_id, fp=data.get("fp", ""))
        elif not Visitor.objects.select_for_update().filter(vid=vid, org_id=org_id).exists():
            # Locked first: the Visit insert share-locks the visitor row and the update
            # below needs it exclusively, so two page views of one visitor deadlocked.
            raise NotFound("visitor not found", field="uid")
        else:
            visitor = Visitor(vid=vid)
        visit = Visit.objects.create(
            tid=ids.new_track_id(visitor.vid),
            org_id=org_id,
            visitor_id=visitor.vid,
            ip=ip,
            **{name: data.get(name, "") for name in PAGE_FIELDS},
        )
        changes = {"last_visit": visit, "last_seen_at": timezone.now()}
        if data.get("fp"):
            changes["fp"] = data["fp"]
        Visitor.objects.filter(vid=visitor.vid).update(**changes)
    return Tracked(visitor.vid, visit.tid, tokens.issue(org_id, visitor.vid))
