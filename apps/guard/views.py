"""Staff endpoints for bans: POST /api/visitors/ban, POST /api/visitors/unban, GET /api/visitors/bans.

Staff members only, not bots: a ban locks a person out and ends their chat,
a decision for a person to take and to answer for (the list shows who).
"""

from __future__ import annotations

from apps.accounts.auth import STAFF, authenticate_staff, require_own_org
from apps.chats.schemas import CidField
from apps.core.db import db
from apps.core.errors import Forbidden
from apps.core.http import api_view, json_body, ok
from apps.core.validation import IdField, StrictCharField, StrictIntegerField, StrictSerializer, validate

from . import banlist, bans
from .models import Ban

# A year: longer than that is "for good" (omit `minutes`), and a typo like
# 10_000_000 minutes should be refused rather than silently mean 19 years.
MAX_MINUTES = 525_600
# "banned: <reason>" ends the visitor's chat, whose reason holds 500 characters.
MAX_REASON = 200
MAX_BAN_ID = 2**63 - 1


class BanIn(StrictSerializer):
    cid = CidField(required=False)
    uid = IdField("visitor", required=False)
    ip = StrictCharField(max_length=49, required=False)
    reason = StrictCharField(max_length=MAX_REASON, required=False, allow_blank=True, trim_whitespace=True)
    minutes = StrictIntegerField(min_value=1, max_value=MAX_MINUTES, required=False)


class UnbanIn(StrictSerializer):
    cid = CidField(required=False)
    id = StrictIntegerField(min_value=1, max_value=MAX_BAN_ID, required=False)
    uid = IdField("visitor", required=False)
    ip = StrictCharField(max_length=49, required=False)


async def authenticate_banner(request):
    caller = await authenticate_staff(request)
    if caller.role != STAFF:
        raise Forbidden("only staff members (not bots) ban or lift bans")
    return caller


@api_view("POST")
async def ban(request):
    caller = await authenticate_banner(request)
    data = validate(BanIn, json_body(request))
    require_own_org(caller, data.get("cid"))
    row = await bans.ban(
        caller, vid=data.get("uid"), ip=data.get("ip"), reason=data.get("reason", ""), minutes=data.get("minutes")
    )
    return ok(ban=describe(row))


@api_view("POST")
async def unban(request):
    caller = await authenticate_banner(request)
    data = validate(UnbanIn, json_body(request))
    require_own_org(caller, data.get("cid"))
    lifted = await bans.unban(caller, ban_id=data.get("id"), vid=data.get("uid"), ip=data.get("ip"))
    return ok(lifted=lifted)


@api_view("GET")
async def bans_list(request):
    caller = await authenticate_banner(request)
    return ok(data=await db(active_bans, caller.org_id))


def active_bans(org_id: int) -> list[dict]:
    from django.db.models import Q

    rows = (
        Ban.objects.filter(org_id=org_id, lifted_at__isnull=True)
        .filter(Q(until__isnull=True) | Q(until__gt=banlist.now_dt()))
        .order_by("-created_at", "-pk")
    )
    return [describe(row) for row in rows]


def describe(row: Ban) -> dict:
    return {
        "id": row.pk,
        "uid": row.visitor_id,
        "ip": row.network or None,
        "reason": row.reason,
        "by": {"id": row.created_by, "name": row.created_by_name},
        "since": int(row.created_at.timestamp()),
        "until": int(row.until.timestamp()) if row.until else None,
    }
