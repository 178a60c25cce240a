"""Console endpoints: canned responses (GET/POST /api/canned, PATCH/DELETE /api/canned/{id}) and a
visitor's details beside the chat (GET /api/visitors/{uid}), the org's bots to hand a chat to (GET /api/bots).

Staff members only (not bots): a personal response belongs to a person, and
the picker is a console feature. Thin views: parse, authenticate, one action.
"""

from __future__ import annotations

import re

from django.conf import settings

from apps.accounts.views import authenticate_person
from apps.core import ids
from apps.core.db import db
from apps.core.errors import BadId, MissingField
from apps.core.http import api_view, json_body, ok, path_id
from apps.core.validation import StrictBooleanField, StrictCharField, StrictSerializer, validate

from . import actions, selectors
from .models import SHORTCUT_LEN

# Lower-case letters, digits, "-" and "_", starting with a letter or digit: typed after "/" and
# matched as the agent types, so no spaces and no case to get wrong.
SHORTCUT = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


class ShortcutField(StrictCharField):
    default_error_messages = {"shortcut": "use lower-case letters, digits, - and _ (no spaces)"}

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not SHORTCUT.match(value):
            self.fail("shortcut")
        return value


class CannedIn(StrictSerializer):
    shortcut = ShortcutField(max_length=SHORTCUT_LEN)
    text = StrictCharField(max_length=settings.HORN_MAX_TEXT)  # inserted into a message: no longer than one
    shared = StrictBooleanField(required=False, default=False)


class CannedChange(StrictSerializer):
    shortcut = ShortcutField(max_length=SHORTCUT_LEN, required=False)
    text = StrictCharField(max_length=settings.HORN_MAX_TEXT, required=False)


def _id(raw: str) -> int:
    return path_id(raw, "canned response")


@api_view("GET", "POST")
async def canned(request):
    caller = await authenticate_person(request)
    if request.method == "GET":
        return ok(data=await db(actions.list_canned, caller))
    data = validate(CannedIn, json_body(request))
    row = await db(actions.add_canned, caller, data["shortcut"], data["text"], data.get("shared", False))
    return ok(canned=row)


@api_view("PATCH", "DELETE")
async def canned_one(request, canned_id: str):
    caller = await authenticate_person(request)
    pk = _id(canned_id)
    if request.method == "DELETE":
        await db(actions.delete_canned, caller, pk)
        return ok(deleted=pk)
    changes = validate(CannedChange, json_body(request))
    if not changes:
        raise MissingField("give shortcut or text", field="shortcut")
    return ok(canned=await db(actions.change_canned, caller, pk, changes))


@api_view("GET")
async def visitor(request, uid: str):
    caller = await authenticate_person(request)
    if not ids.is_visitor_id(uid):
        raise BadId("not a well-formed visitor id", field="uid")
    return ok(visitor=await db(selectors.visitor_details, caller.org_id, uid))


@api_view("GET")
async def bots(request):
    caller = await authenticate_person(request)
    return ok(data=await db(selectors.active_bots, caller.org_id))
