"""Staff endpoints of seed 004 (who I am, who of my colleagues is online), availability, and the widget's config."""

from __future__ import annotations

from django.conf import settings
from rest_framework import serializers

from apps.chats import availability
from apps.chats.actions.routing import set_status
from apps.core import ids
from apps.core.db import db
from apps.core.errors import Forbidden, InvalidValue
from apps.core.http import api_view, json_body, ok, query
from apps.core.validation import StrictSerializer, validate
from apps.files.actions import max_size as max_upload_size
from apps.realtime import presence

from .auth import STAFF, authenticate_staff, check_visitor_origin
from .models import Staff
from .orgs import get_org


async def authenticate_person(request):
    """A staff member, not a bot (bots have no profile or availability)."""
    caller = await authenticate_staff(request)
    if caller.role != STAFF:
        raise Forbidden("only staff members (not bots) have this")
    return caller


@api_view("GET")
async def staff_info(request):
    caller = await authenticate_person(request)
    staff = await db(Staff.objects.get, sid=caller.uid)
    return ok(
        cid=caller.org_id,
        staff_id=caller.uid,
        track_id=ids.new_track_id(caller.uid),
        staff={
            "name": staff.name,
            "gender": staff.gender,
            "status": staff.status,
            "max_chats": staff.max_chats,
            "role": staff.role,
        },
    )


class StatusIn(StrictSerializer):
    status = serializers.ChoiceField(choices=[s for s, _ in Staff.STATUSES])


@api_view("POST")
async def staff_status(request):
    """POST /api/staff/status {"status": "online" | "away" | "offline"}: whether new chats may be assigned to me."""
    caller = await authenticate_person(request)
    status = validate(StatusIn, json_body(request))["status"]
    await set_status(caller, status)
    return ok(status=status)


@api_view("GET")
async def staff_online(request):
    caller = await authenticate_staff(request)
    last_ping = await presence.online(caller.org_id, "staff")
    rows = await db(_describe_staff, caller.org_id, last_ping)
    return ok(data=rows)


def _describe_staff(org_id: int, last_ping: dict[str, float]) -> list[dict]:
    staff = Staff.objects.filter(org_id=org_id, sid__in=list(last_ping)).order_by("name")
    return [
        {"uid": s.sid, "name": s.name, "gender": s.gender, "status": s.status, "last_ping": int(last_ping[s.sid])}
        for s in staff
    ]


@api_view("GET")
async def widget_config(request):
    """GET /api/widget/config?cid=: what the embedded widget needs before it draws anything (public, origin-checked).

    Public because the widget asks before the visitor has a token; it reveals only
    what the widget shows anyway. Another org's site gets 2003, an unknown cid 3001.
    """
    # Errors here are readable cross-origin (unlike other endpoints'): the body says only what is wrong
    # with the snippet (unknown cid, site not allowed), and the widget must be able to show it.
    request.horn_cors_ok = True
    cid = query(request, "cid", required=True, max_length=20)
    if not cid.isdigit():
        raise InvalidValue("cid must be an organisation id (integer)", field="cid")
    org = await get_org(int(cid))
    await check_visitor_origin(request, org.id)
    available = await availability.cached(org)
    return ok(
        cid=org.id,
        widget=org.widget,
        files={"max_size": max_upload_size(org), "accepted": list(org.accepted_file_types)},
        heartbeat=settings.HORN_HEARTBEAT_INTERVAL,
        available=available.as_dict(),
    )
