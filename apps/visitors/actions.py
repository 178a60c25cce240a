"""track: a visitor reports a page view; a new visitor gets an id and a token.

Page views are the most frequent write (every page of every visitor), so an
org's concurrent page views are stored together (`apps.core.batching`): one
locking read, two multi-row INSERTs, one UPDATE and one commit for the lot.
The same UPDATE counts the visitor's page views and visits (for the online list).
A page view may carry the customer the visitor is (checked by the view,
`apps.visitors.identity`); the same UPDATE links it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone
from redis.exceptions import RedisError

from apps.accounts import visitor_tokens as tokens
from apps.core import ids
from apps.core.batching import Batcher
from apps.core.db import db
from apps.core.errors import HornError, IdentityRejected, NotFound
from apps.realtime import presence
from apps.realtime.events import Notice
from apps.realtime.publish import notify

from .identity import Customer
from .models import VISIT_GAP, Visit, Visitor

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
    customer: Customer | None = None  # who the visitor is, as claimed (and perhaps verified) on this track


async def track(
    *, org_id: int, vid: str | None, data: dict, ip: str | None, customer: Customer | None = None
) -> Tracked:
    """Store a page view (with the org's other page views arriving meanwhile, in one transaction)."""
    return await _page_views.submit(org_id, PageView(vid, data, ip, customer))


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
    A view naming an unknown visitor gets its NotFound, one claiming another customer
    than its verified link its IdentityRejected (`relink`); the others go on.
    """
    now = timezone.now()
    with transaction.atomic():
        returning = sorted({v.vid for v in views if v.vid is not None})
        # vid -> its customer link (id, verified, name, email), as it stands after the views so far
        links: dict[str, tuple[str, bool, str, str]] = {
            vid: (cid, verified, name, email)
            for vid, cid, verified, name, email in Visitor.objects.select_for_update()
            .filter(org_id=org_id, vid__in=returning)
            .order_by("vid")
            .values_list("vid", "customer_id", "customer_verified", "customer_name", "customer_email")
        }
        new = [_new_visitor(org_id, v) for v in views if v.vid is None]
        Visitor.objects.bulk_create(new)
        fresh = iter(new)
        outcomes: list[Tracked | HornError] = []
        visits: list[Visit] = []
        last: dict[str, tuple[str, str]] = {}  # vid -> (its latest visit, its latest fingerprint)
        viewed: dict[str, int] = {}  # vid -> its page views in this batch
        relinked: set[str] = set()
        for view in views:
            vid = next(fresh).vid if view.vid is None else view.vid
            if vid not in links and view.vid is not None:
                outcomes.append(NotFound("visitor not found", field="uid"))
                continue
            if view.vid is not None and view.customer is not None:
                try:
                    link = relink(links[vid], view.customer)
                except IdentityRejected as refused:
                    outcomes.append(refused)  # nothing of this view is stored
                    continue
                if link != links[vid]:
                    links[vid] = link
                    relinked.add(vid)
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
            viewed[vid] = viewed.get(vid, 0) + 1
            outcomes.append(Tracked(vid, visit.tid, tokens.issue(org_id, vid)))
        Visit.objects.bulk_create(visits)
        if last:
            # One statement for every visitor of the batch.
            linked = {}
            if relinked:  # rare: most page views repeat the link the visitor already has
                for n, column in enumerate(LINK_COLUMNS):
                    cases = [When(vid=vid, then=Value(links[vid][n])) for vid in sorted(relinked)]
                    linked[column] = Case(*cases, default=F(column))
            Visitor.objects.filter(vid__in=list(last)).update(
                last_visit_id=Case(*[When(vid=vid, then=Value(tid)) for vid, (tid, _) in last.items()]),
                fp=Case(*[When(vid=vid, then=Value(fp)) for vid, (_, fp) in last.items() if fp], default=F("fp")),
                page_views=F("page_views") + Case(*[When(vid=vid, then=Value(n)) for vid, n in viewed.items()]),
                # A page view long after the last one starts a visit (a new visitor's row is just created).
                visit_count=Case(
                    When(last_seen_at__lt=now - VISIT_GAP, then=F("visit_count") + 1), default=F("visit_count")
                ),
                visit_started_at=Case(
                    When(last_seen_at__lt=now - VISIT_GAP, then=Value(now)), default=F("visit_started_at")
                ),
                last_seen_at=now,
                **linked,
            )
    return outcomes


LINK_COLUMNS = ("customer_id", "customer_verified", "customer_name", "customer_email")


def _new_visitor(org_id: int, view: PageView) -> Visitor:
    visitor = Visitor(org_id=org_id, fp=view.data.get("fp", ""))
    if view.customer is not None:
        c = view.customer
        visitor.customer_id, visitor.customer_verified = c.id, c.verified
        visitor.customer_name, visitor.customer_email = c.name, c.email
    return visitor


def relink(link: tuple[str, bool, str, str], claim: Customer) -> tuple[str, bool, str, str]:
    """A visitor's customer link after this claim, or IdentityRejected.

    A verified link is for good: another customer id on that visitor is refused
    (the widget starts a new visitor on logout), and an unverified claim of the
    same id does not downgrade it. Its chats stay the customer's, and nobody
    else's, that way. An unverified link is replaced by any claim.
    """
    customer_id, verified, name, email = link
    if verified and claim.id != customer_id:
        raise IdentityRejected(
            "this visitor is verified as another customer; start a new visitor (Horn.logout())", field="customer.id"
        )
    if verified and not claim.verified:
        return link
    if claim.id != customer_id:  # a new person: what we knew of the previous one goes
        name, email = "", ""
    return (claim.id, claim.verified, claim.name or name, claim.email or email)
