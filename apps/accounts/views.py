"""Staff endpoints of seed 004: who I am, who of my colleagues is online."""

from __future__ import annotations

from apps.core import ids
from apps.core.db import db
from apps.core.http import api_view, ok
from apps.visitors import presence

from .auth import authenticate_staff
from .models import Staff


@api_view("GET")
async def staff_info(request):
    caller = await authenticate_staff(request)
    staff = await db(Staff.objects.get, sid=caller.uid)
    return ok(
        cid=caller.org_id,
        staff_id=caller.uid,
        track_id=ids.new_track_id(caller.uid),
        staff={"name": staff.name, "gender": staff.gender},
    )


@api_view("GET")
async def staff_online(request):
    caller = await authenticate_staff(request)
    last_ping = await presence.online(caller.org_id, "staff")
    rows = await db(_describe_staff, caller.org_id, last_ping)
    return ok(data=rows)


def _describe_staff(org_id: int, last_ping: dict[str, float]) -> list[dict]:
    staff = Staff.objects.filter(org_id=org_id, sid__in=list(last_ping)).order_by("name")
    return [{"uid": s.sid, "name": s.name, "gender": s.gender, "last_ping": int(last_ping[s.sid])} for s in staff]
