"""Visitor endpoints of seed 004: track, ping, the online visitor list."""

from __future__ import annotations

from django.conf import settings
from rest_framework import serializers

from apps.accounts import visitor_tokens as tokens
from apps.accounts.auth import USER, Caller, authenticate, authenticate_staff, check_visitor_origin
from apps.accounts.orgs import get_org
from apps.chats.schemas import CidField
from apps.core import ids
from apps.core.clientip import client_ip
from apps.core.db import db
from apps.core.errors import AuthRequired, BadId, BadToken, InvalidValue
from apps.core.http import api_view, json_body, ok, query
from apps.core.validation import IdField, StrictCharField, StrictSerializer, validate
from apps.guard import banlist, ratelimit
from apps.realtime import presence

from .actions import track as track_action
from .identity import check_customer
from .models import CUSTOMER_ID_LEN
from .selectors import describe_visitors


class StrictEmailField(serializers.EmailField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class CustomerIn(StrictSerializer):
    id = StrictCharField(max_length=CUSTOMER_ID_LEN, trim_whitespace=False)  # hashed as given
    # No max_length and blank allowed: every hash that is not the right one, empty or 10 KB, is the
    # same 403 (IdentityRejected), not a 400 that would tell a prober which form is expected.
    hash = StrictCharField(required=False, allow_blank=True, trim_whitespace=False)
    name = StrictCharField(max_length=100, required=False, allow_blank=True)
    email = StrictEmailField(max_length=254, required=False, allow_blank=True)  # RFC 5321's longest address


class TrackIn(StrictSerializer):
    uid = IdField("visitor", required=False)
    cid = CidField()
    fp = StrictCharField(max_length=128, required=False, allow_blank=True)
    url = StrictCharField(max_length=2048)
    title = StrictCharField(max_length=512, required=False, allow_blank=True)
    referer = StrictCharField(max_length=2048, required=False, allow_blank=True)
    os = StrictCharField(max_length=128, required=False, allow_blank=True)
    browser = StrictCharField(max_length=256, required=False, allow_blank=True)
    customer = CustomerIn(required=False)


@api_view("POST")
async def track(request):
    data = validate(TrackIn, json_body(request))
    org = await get_org(data["cid"])
    await check_visitor_origin(request, org.id)
    vid = data.get("uid")
    if vid is not None:
        # A returning visitor proves the uid is theirs with the token track gave them.
        token = request.headers.get("X-Horn-Token")
        if token is None:
            raise AuthRequired("uid needs its token (X-Horn-Token)", field="X-Horn-Token")
        if tokens.read(token) != (org.id, vid):
            raise BadToken("token does not belong to this uid and cid", field="X-Horn-Token")
    ip = client_ip(request)
    await banlist.check(org.id, vid, ip)
    await ratelimit.check(request, Caller(uid=vid, role=USER, org_id=org.id) if vid else None, "track")
    customer = check_customer(org, data.get("customer"))
    tracked = await track_action(org_id=org.id, vid=vid, data=data, ip=ip, customer=customer)
    return ok(track_id=tracked.track_id, uid=tracked.uid, token=tracked.token)


@api_view("GET")
async def ping(request):
    uid = query(request, "uid")
    if uid is not None and not ids.is_user_id(uid):
        raise BadId("uid is not a visitor or staff id", field="uid")
    check_track_id(request)
    query(request, "fp", max_length=128)
    present = presence.counts(query(request, "presence"))
    caller = await authenticate(request, uid=uid)
    if present:
        await presence.touch(caller.org_id, caller.role, caller.uid)
    return ok(interval=settings.HORN_HEARTBEAT_INTERVAL)


ONLINE_UIDS = 100  # visitors asked for at once by `uids` (a console asks for those of a few notices)


@api_view("GET")
async def users_online(request):
    """The org's online visitors; `uids=a,b,…` narrows it to those (a console updating its list after a push)."""
    wanted = online_uids(request)
    caller = await authenticate_staff(request)
    last_ping = await presence.online(caller.org_id, "user")
    if wanted is not None:
        last_ping = {uid: at for uid, at in last_ping.items() if uid in wanted}
    return ok(data=await db(describe_visitors, caller.org_id, last_ping))


def online_uids(request) -> set[str] | None:
    raw = query(request, "uids", max_length=ONLINE_UIDS * (ids.VISITOR_LEN + 1))
    if raw is None:
        return None
    uids = set(raw.split(","))
    if len(uids) > ONLINE_UIDS:
        raise InvalidValue(f"at most {ONLINE_UIDS} uids at once", field="uids")
    if not all(ids.is_visitor_id(uid) for uid in uids):
        raise BadId("uids must be visitor ids, separated by commas", field="uids")
    return uids


def check_track_id(request) -> str | None:
    track_id = query(request, "track_id")
    if track_id is not None and not ids.is_track_id(track_id):
        raise BadId("track_id is not a track id", field="track_id")
    return track_id
