"""track: a visitor reports a page view; a new visitor gets an id and a token.

Page views are the most frequent write (every page of every visitor), so an
org's concurrent page views are stored together (`apps.core.batching`): one
locking read, two multi-row INSERTs, one UPDATE and one commit for the lot.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone
from redis.exceptions import RedisError

from apps.core import ids
from apps.core.batching import Batcher
from apps.core.db import db
from apps.core.errors import HornError, NotFound
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


@dataclass(frozen=True, slots=True)
class PageView:
    vid: str | None  # None: a new visitor
    data: dict
    ip: str | None


async def track(*, org_id: int, vid: str | None, data: dict, ip: str | None) -> Tracked:
    """Store a page view (with the org's other page views arriving meanwhile, in one transaction)."""
    return await _page_views.submit(org_id, PageView(vid, data, ip))


async def _store_and_announce(org_id: int, views: list[PageView]) -> list[Tracked | HornError]:
    outcomes = await db(store_visits, org_id, views)
    uids = list(dict.fromkeys(o.uid for o in outcomes if isinstance(o, Tracked)))
    if uids:
        try:
            await presence.touch_many([(org_id, uid, "user") for uid in uids])
        except RedisError:  # the visits are stored; presence catches up with the next ping
            log.warning("presence update failed for %d visitors", len(uids))
        # Seed 004: the org's staff are told the visitor list changed, and re-fetch it (once per batch).
        await notify(Notice(org_id, "visitors_changed", {"uid": uids[0], "uids": uids}))
    return outcomes


_page_views: Batcher[PageView, Tracked] = Batcher(_store_and_announce)


def store_visits(org_id: int, views: list[PageView]) -> list[Tracked | HornError]:
    """Store page views of one org in one transaction: one outcome per view, in order.

    Returning visitors' rows are locked first, in vid order: a Visit insert
    share-locks its visitor row and the update below needs it exclusively, so
    two transactions that locked in any other order (or not at all) deadlocked.
    A view naming an unknown visitor gets its NotFound; the others go on.
    """
    now = timezone.now()
    with transaction.atomic():
        returning = sorted({v.vid for v in views if v.vid is not None})
        known = set(
            Visitor.objects.select_for_update()
            .filter(org_id=org_id, vid__in=returning)
            .order_by("vid")
            .values_list("vid", flat=True)
        )
        new = [Visitor(org_id=org_id, fp=v.data.get("fp", "")) for v in views if v.vid is None]
        Visitor.objects.bulk_create(new)
        fresh = iter(new)
        outcomes: list[Tracked | HornError] = []
        visits: list[Visit] = []
        last: dict[str, tuple[str, str]] = {}  # vid -> (its latest visit, its latest fingerprint)
        for view in views:
            vid = next(fresh).vid if view.vid is None else view.vid
            if vid not in known and view.vid is not None:
                outcomes.append(NotFound("visitor not found", field="uid"))
                continue
            visit = Visit(
                tid=ids.new_track_id(vid),
                org_id=org_id,
                visitor_id=vid,
                ip=view.ip,
                created_at=now,
                **{name: view.data.get(name, "") for name in PAGE_FIELDS},
            )
            visits.append(visit)
            fp = view.data.get("fp") or (last[vid][1] if vid in last else "")
            last[vid] = (visit.tid, fp)
            outcomes.append(Tracked(vid, visit.tid, tokens.issue(org_id, vid)))
        Visit.objects.bulk_create(visits)
        if last:
            # One statement for every visitor of the batch.
            Visitor.objects.filter(vid__in=list(last)).update(
                last_visit_id=Case(*[When(vid=vid, then=Value(tid)) for vid, (tid, _) in last.items()]),
                fp=Case(*[When(vid=vid, then=Value(fp)) for vid, (_, fp) in last.items() if fp], default=F("fp")),
                last_seen_at=now,
            )
    return outcomes
