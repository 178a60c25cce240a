"""POST /api/message and GET /api/state/init."""

from __future__ import annotations

from apps.accounts.auth import authenticate
from apps.core import ids
from apps.core.db import db
from apps.core.errors import BadId
from apps.core.http import api_view, json_body, ok, query
from apps.realtime.pushers import pick_addr
from apps.visitors.views import check_track_id

from .actions import send_message
from .selectors import load_state


@api_view("POST")
async def message(request):
    data = json_body(request)
    caller = await authenticate(request)  # send_message checks `from` against the caller
    sent = await send_message(caller, data, idempotency_key=request.headers.get("Idempotency-Key"))
    return ok(mid=sent.message.mid, chat={"id": sent.message.chat_id})


@api_view("GET")
async def state_init(request):
    uid = query(request, "uid")
    if uid is not None and not ids.is_user_id(uid):
        raise BadId("uid is not a visitor or staff id", field="uid")
    track_id = check_track_id(request)
    query(request, "fp", max_length=128)
    caller = await authenticate(request, uid=uid)
    state = await db(load_state, caller)
    return ok(uid=caller.uid, addr=await pick_addr(request), track_id=track_id or "", state=state)
