"""Staff endpoints of seed 004 (who I am, who of my colleagues is online) and availability."""

from __future__ import annotations

from rest_framework import serializers

from apps.chats.actions.routing import set_status
from apps.core import ids
from apps.core.db import db
from apps.core.errors import Forbidden
from apps.core.http import api_view, json_body, ok
from apps.core.validation import StrictSerializer, validate
from apps.realtime import presence

from .auth import STAFF, authenticate_staff
from .models import Staff


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
        staff={"name": staff.name, "gender": staff.gender, "status": staff.status, "max_chats": staff.max_chats},
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
