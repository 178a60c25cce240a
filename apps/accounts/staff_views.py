"""The org admin's staff API: GET/POST /api/org/staff, PATCH /api/org/staff/{sid}, POST /api/org/staff/{sid}/invite.

Admins only (require_admin: an agent or bot gets 403 2004). Every lookup is within the caller's
org: another org's sid is 404, like a missing one, and a `cid` naming another org is 404 too.
"""

from __future__ import annotations

from rest_framework import serializers

from apps.chats.actions.routing import settle
from apps.core import ids
from apps.core.db import db
from apps.core.errors import InvalidValue, MissingField, NotFound
from apps.core.http import api_view, json_body, ok
from apps.core.validation import StrictBooleanField, StrictCharField, StrictIntegerField, StrictSerializer, validate
from apps.realtime import presence

from . import mail, selectors, team
from .auth import STAFF, authenticate_admin, forget_caller, require_own_org
from .models import Staff

QUEUE_LEN = 64  # apps.chats.models.Chat.queue


class EmailField(StrictCharField):
    default_error_messages = {"email": "not a valid e-mail address"}

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        try:
            return team.clean_email(value)
        except InvalidValue:
            self.fail("email")


class QueuesField(serializers.ListField):
    """Queue names, as chats carry them (`event.queue` of request_chat, transfers); duplicates dropped."""

    def __init__(self, **kwargs):
        child = StrictCharField(max_length=QUEUE_LEN, allow_blank=False)
        super().__init__(child=child, max_length=team.MAX_QUEUES, **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, list):
            self.fail("not_a_list", input_type=type(data).__name__)
        return list(dict.fromkeys(q.strip() for q in super().to_internal_value(data)))


def _capacity(**kwargs):
    return StrictIntegerField(min_value=1, max_value=team.MAX_CHATS, **kwargs)


class InviteIn(StrictSerializer):
    cid = serializers.JSONField(required=False)  # checked by require_own_org
    email = EmailField(max_length=254)
    name = StrictCharField(max_length=100, required=False, allow_blank=True, default="")
    role = serializers.ChoiceField(choices=[r for r, _ in Staff.ROLES], required=False, default=Staff.AGENT)
    queues = QueuesField(required=False, default=list)
    max_chats = _capacity(required=False, default=5)


class ChangeIn(StrictSerializer):
    role = serializers.ChoiceField(choices=[r for r, _ in Staff.ROLES], required=False)
    max_chats = _capacity(required=False)
    queues = QueuesField(required=False)
    active = StrictBooleanField(required=False)


def _sid(raw: str) -> str:
    if not ids.is_staff_id(raw):
        raise NotFound("staff member not found", field="sid")
    return raw


async def _describe(staff: Staff) -> dict:
    last_ping = await presence.online(staff.org_id, STAFF)
    return selectors.describe(staff, last_ping.get(staff.sid))


@api_view("GET", "POST")
async def staff_list(request):
    caller = await authenticate_admin(request)
    if request.method == "GET":
        return ok(data=await db(selectors.team, caller.org_id, await presence.online(caller.org_id, STAFF)))
    data = validate(InviteIn, json_body(request))
    require_own_org(caller, data.pop("cid", None))
    staff = await db(mail.written_in, request, team.invite, org_id=caller.org_id, inviter=caller.name, **data)
    return ok(staff=await _describe(staff))


@api_view("PATCH")
async def staff_one(request, sid: str):
    caller = await authenticate_admin(request)
    sid = _sid(sid)
    changes = validate(ChangeIn, json_body(request))
    if not changes:
        raise MissingField("give role, max_chats, queues or active", field="role")
    staff = await db(lambda: team.change(org_id=caller.org_id, sid=sid, changes=changes))
    forget_caller(sid)  # here at once (a new role counts from the next call); other processes by broadcast
    if changes.keys() & {"max_chats", "queues", "active"}:
        await settle(caller.org_id, [])  # more room or other queues: waiting chats may be assignable now
    return ok(staff=await _describe(staff))


@api_view("POST")
async def staff_invite_again(request, sid: str):
    caller = await authenticate_admin(request)
    sid = _sid(sid)
    staff = await db(mail.written_in, request, team.invite_again, org_id=caller.org_id, sid=sid, inviter=caller.name)
    return ok(staff=await _describe(staff))
