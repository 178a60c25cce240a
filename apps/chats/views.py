"""POST /api/message, GET /api/state/init and GET /api/chat/history."""

from __future__ import annotations

from django.conf import settings

from apps.accounts.auth import authenticate
from apps.accounts.orgs import get_org
from apps.core import ids
from apps.core.db import db
from apps.core.errors import BadId, InvalidValue
from apps.core.http import api_view, json_body, ok, query
from apps.guard import ratelimit
from apps.realtime.pushers import pick_addr
from apps.visitors.views import check_track_id

from . import availability
from .actions import send_message
from .selectors import chat_history, load_state


@api_view("POST")
async def message(request):
    data = json_body(request)
    caller = await authenticate(request)  # send_message checks `from` against the caller
    await ratelimit.check(request, caller, ratelimit.message_kind(data))
    sent = await send_message(caller, data, idempotency_key=request.headers.get("Idempotency-Key"))
    return ok(**sent.reply(data.get("chat", {}).get("id", "")))


@api_view("GET")
async def state_init(request):
    uid = query(request, "uid")
    if uid is not None and not ids.is_user_id(uid):
        raise BadId("uid is not a visitor or staff id", field="uid")
    track_id = check_track_id(request)
    query(request, "fp", max_length=128)
    caller = await authenticate(request, uid=uid)
    state = await db(load_state, caller)
    if not caller.is_staff:  # whether anyone can take a chat now, for the widget to say so up front
        state["available"] = (await availability.cached(await get_org(caller.org_id))).as_dict()
    return ok(uid=caller.uid, addr=await pick_addr(request), track_id=track_id or "", state=state)


HISTORY_MAX = 200


@api_view("GET")
async def history(request):
    """GET /api/chat/history?chat=&before=&limit=: older messages, for scrolling back past state/init's window."""
    chat_id = query(request, "chat", required=True)
    if not ids.is_chat_id(chat_id):
        raise BadId("chat is not a chat id", field="chat")
    before = query(request, "before")
    if before is not None and (not before.isdigit() or len(before) > 18):
        raise BadId("before must be a version (a message's or state/init's)", field="before")
    limit = query(request, "limit") or str(settings.HORN_INIT_HISTORY)
    if not limit.isdigit() or not 1 <= int(limit) <= HISTORY_MAX:
        raise InvalidValue(f"limit must be 1-{HISTORY_MAX}", field="limit")
    caller = await authenticate(request)
    page = await db(chat_history, caller, chat_id, int(before) if before else None, int(limit))
    return ok(**page)
