"""What the console shows beside a chat: one visitor's visits, page history and past chats.

Read-only, one organisation: a visitor of another org is "not found", like
one that never existed.
"""

from __future__ import annotations

from apps.accounts.models import Bot
from apps.chats.models import Chat
from apps.core.errors import NotFound
from apps.visitors.models import VISIT_GAP, Visitor
from apps.visitors.selectors import customer_of

PAGES = 100  # the latest page views shown; a visitor with more has them counted, not listed
CHATS = 20  # the latest past chats shown


def visitor_details(org_id: int, vid: str) -> dict:
    visitor = Visitor.objects.filter(pk=vid, org_id=org_id).first()
    if visitor is None:
        raise NotFound("visitor not found", field="uid")
    views = list(visitor.visits.order_by("-created_at")[:PAGES])
    total = visitor.visits.count()
    visits = 1 + sum(
        1 for newer, older in zip(views, views[1:], strict=False) if newer.created_at - older.created_at > VISIT_GAP
    )
    # A verified customer's chats from every device are theirs; an unverified claim shares nothing.
    if visitor.customer_verified:
        creators = Visitor.objects.filter(org_id=org_id, customer_id=visitor.customer_id, customer_verified=True)
        chats = Chat.objects.filter(org_id=org_id, creator__in=creators)
    else:
        chats = Chat.objects.filter(org_id=org_id, creator=visitor)
    chats = list(chats.select_related("owner").order_by("-created_at")[:CHATS])
    # Returning: more than one visit, views older than those listed, or a chat of theirs that is over.
    returning = visits > 1 or total > len(views) or any(c.state == Chat.ENDED for c in chats)
    return {
        "uid": visitor.vid,
        "name": visitor.name,
        "customer": customer_of(visitor),
        "first_seen": int(visitor.created_at.timestamp()),
        "last_seen": int(visitor.last_seen_at.timestamp()),
        "page_views": total,
        "visits": visits,
        "returning": returning,
        "pages": [
            {
                "url": v.url,
                "title": v.title,
                "referer": v.referer,
                "browser": v.browser,
                "os": v.os,
                "at": int(v.created_at.timestamp()),
            }
            for v in views
        ],
        "chats": [
            {
                "id": c.id,
                "uid": c.creator_id,
                "state": c.state,
                "queue": c.queue,
                "created_at": int(c.created_at.timestamp()),
                "ended_at": int(c.ended_at.timestamp()) if c.ended_at else None,
                "staff": {"id": c.owner_id, "name": c.owner.name} if c.owner_id else None,
                "rating": c.rating,
            }
            for c in chats
        ],
    }


def active_bots(org_id: int) -> list[dict]:
    """The bots a chat may be handed to (`transfer` with `to: {bot}`); their keys never leave the admin."""
    rows = Bot.objects.filter(org_id=org_id, is_active=True).order_by("name", "bid").values_list("bid", "name")
    return [{"id": bid, "name": name} for bid, name in rows]
