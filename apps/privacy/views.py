"""The privacy API for an organisation's admins (agents and bots get 403 2004):

GET/PUT /api/privacy/retention, GET /api/privacy/export, POST /api/privacy/erase, GET /api/privacy/audit.
Thin views: parse, authenticate, authorise, call one action.
"""

from __future__ import annotations

from apps.accounts.auth import authenticate_admin
from apps.core.db import db
from apps.core.errors import InvalidValue
from apps.core.http import api_view, json_body, json_response, ok, query
from apps.core.validation import StrictCharField, StrictIntegerField, StrictSerializer, validate
from apps.visitors.models import CUSTOMER_ID_LEN

from . import audit, retention, subjects
from .erase import erase as erase_subject
from .export import export as export_subject

MAX_PAGE = 100_000


class RetentionIn(StrictSerializer):
    days = StrictIntegerField(allow_null=True)


class SubjectIn(StrictSerializer):
    uid = StrictCharField(required=False)
    customer = StrictCharField(required=False, max_length=CUSTOMER_ID_LEN)


@api_view("GET", "PUT")
async def retention_policy(request):
    caller = await authenticate_admin(request)
    if request.method == "PUT":
        days = validate(RetentionIn, json_body(request))["days"]
        return ok(days=await db(retention.set_days, caller, days))
    return ok(days=await db(retention.get_days, caller.org_id))


@api_view("GET")
async def export(request):
    caller = await authenticate_admin(request)
    subject = subjects.parse(query(request, "uid"), query(request, "customer", max_length=CUSTOMER_ID_LEN))
    return json_response(await db(export_subject, caller, subject))


@api_view("POST")
async def erase(request):
    caller = await authenticate_admin(request)
    data = validate(SubjectIn, json_body(request))
    subject = subjects.parse(data.get("uid"), data.get("customer"))
    return ok(erased=await erase_subject(caller, subject))


@api_view("GET")
async def audit_trail(request):
    caller = await authenticate_admin(request)
    number = page_number(query(request, "page"))
    rows, more = await db(audit.page, caller.org_id, number)
    return ok(entries=[audit.as_dict(e) for e in rows], page=number, has_more=more)


def page_number(raw: str | None) -> int:
    if raw is None:
        return 1
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        raise InvalidValue(f"page must be a whole number from 1 to {MAX_PAGE}", field="page")
    return int(raw)
