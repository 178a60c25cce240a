"""The online visitor list, with what each is looking at now."""

from __future__ import annotations

from .models import Visitor


def describe_visitors(org_id: int, last_ping: dict[str, float]) -> list[dict]:
    """One row per online visitor, from one query whatever their number (the console lists 500 and more)."""
    visitors = Visitor.objects.filter(org_id=org_id, vid__in=list(last_ping)).select_related("last_visit")
    rows = []
    for v in visitors:
        visit = v.last_visit
        rows.append(
            {
                "uid": v.vid,
                "name": v.name,
                "fp": v.fp,
                "customer_id": v.customer_id,
                "customer": customer_of(v),
                "last_ping": int(last_ping[v.vid]),
                "first_seen": int(v.created_at.timestamp()),
                "page_views": v.page_views,
                "visits": v.visit_count,
                "returning": v.visit_count > 1,
                "visit_started": int(v.visit_started_at.timestamp()),  # time on site counts from here
                "track_id": visit.tid if visit else "",
                "url": visit.url if visit else "",
                "title": visit.title if visit else "",
                "referer": visit.referer if visit else "",
                "os": visit.os if visit else "",
                "browser": visit.browser if visit else "",
                "visited_at": int(visit.created_at.timestamp()) if visit else None,
            }
        )
    rows.sort(key=lambda r: -r["last_ping"])
    return rows


def customer_of(visitor: Visitor) -> dict | None:
    """Who the visitor is for staff: `verified` only when track proved it with the org's HMAC."""
    if not visitor.customer_id:
        return None
    out = {"id": visitor.customer_id, "verified": visitor.customer_verified}
    if visitor.customer_name:
        out["name"] = visitor.customer_name
    if visitor.customer_email:
        out["email"] = visitor.customer_email
    return out
