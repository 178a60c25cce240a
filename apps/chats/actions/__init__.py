"""send_message: the one entry point for every message type, from REST or websocket.

It validates the payload against the type's schema, checks who may send it,
runs the type's action in one transaction on a DB thread, then publishes what
was committed and settles the org's routing (automatic assignment, queue
places: `routing.settle`). Content posts, the bulk of the traffic, go through
the group commit (`groupcommit`), which stores and publishes them in batches.
Transient types (typing, read, client_unload, viewing, invite) store nothing and are pushed.
"""

from __future__ import annotations

from dataclasses import replace

from apps.accounts.auth import BOT, STAFF, USER, Caller, require_own_org
from apps.accounts.orgs import get_org
from apps.core.db import db
from apps.core.errors import BadToken, Forbidden, InvalidValue, MissingField, UnknownField, UnknownType
from apps.core.validation import validate
from apps.files.selectors import attachment
from apps.realtime import presence
from apps.realtime.publish import publish

from .. import availability, offlinemail
from ..schemas import CLIENT_MSG_ID, SCHEMAS
from . import groupcommit
from .common import Sent, payload_hash
from .content import Post, check_content, post_content
from .join import join_chat
from .lifecycle import (
    agent_done,
    client_left,
    customer_identified,
    end_chat,
    handover_to_agent,
    leave_chat,
    transfer,
)
from .rate import rate
from .request import request_chat
from .routing import settle
from .typing import client_unload, platform_closed, read, typing
from .viewing import invite, viewing

ANYONE = frozenset({USER, STAFF, BOT})
STAFF_SIDE = frozenset({STAFF, BOT})
ACTIONS = {
    "text": (post_content, ANYONE),
    "file": (post_content, ANYONE),
    "image": (post_content, ANYONE),
    "note": (post_content, STAFF_SIDE),
    "info": (post_content, STAFF_SIDE),
    "leave_chat": (leave_chat, STAFF_SIDE),
    "agent_done": (agent_done, STAFF_SIDE),
    "transfer": (transfer, STAFF_SIDE),
    "handover_to_agent": (handover_to_agent, frozenset({BOT})),
    "customer_identified": (customer_identified, STAFF_SIDE),
    "end_chat": (end_chat, ANYONE),
    "typing": (typing, ANYONE),
    "viewing": (viewing, frozenset({STAFF})),  # collision detection: people look at chats, bots do not
    "invite": (invite, STAFF_SIDE),  # ask a colleague to join; they accept with join_chat
    "read": (read, ANYONE),
    "client_left": (client_left, frozenset({USER})),
    "client_unload": (client_unload, frozenset({USER})),
    "request_chat": (request_chat, frozenset({USER})),
    "join_chat": (join_chat, STAFF_SIDE),
    "rate": (rate, frozenset({USER})),  # the visitor's judgement of staff, not staff's own
}
TRANSIENT = (typing, read, client_unload, viewing, invite)  # pushed to members, nothing stored
ATTACHMENTS = ("file", "image")  # content that points at an upload


async def send_message(caller: Caller, data: dict, *, idempotency_key: str | None = None) -> Sent:
    clean = _validate(data)
    _check_sender(caller, clean)
    action, roles = ACTIONS[clean["type"]]
    if caller.role not in roles:
        raise Forbidden(f"a {caller.role} may not send {clean['type']}", field="type")
    key = _idempotency_key(clean.get("client_msg_id"), idempotency_key)
    digest = payload_hash({k: v for k, v in clean.items() if k != "client_msg_id"})
    if action in TRANSIENT:
        return await action(caller, clean)
    if action is post_content:
        check_content(caller, clean)
        if clean["type"] in ATTACHMENTS:
            clean = await _with_upload(caller, clean)
        return await groupcommit.submit(Post(caller, clean, key, digest))
    if action is request_chat:
        return await _request_chat(caller, clean, key, digest)
    sent = await db(action, caller, clean, key, digest)
    await publish(sent.events)
    await settle(caller.org_id, sent.events)
    return sent


async def _request_chat(caller: Caller, clean: dict, key: str | None, digest: str) -> Sent:
    """Open the chat; when nobody can take it now, as an offline chat, and the visitor is told (platform_closed)."""
    staff = list(await presence.online(caller.org_id, STAFF))
    available = await availability.check(await get_org(caller.org_id), staff)
    sent = await db(request_chat, caller, clean, key, digest, offline=not available.open)
    await publish(sent.events)
    if not available.open and sent.events:
        await platform_closed(caller.org_id, caller.uid, sent.message.chat_id, available)
        offlinemail.chat_opened_offline(caller.org_id, sent.message.chat_id, available)
    await settle(caller.org_id, sent.events, staff)
    return replace(sent, extra={"available": available.as_dict()})


async def _with_upload(caller: Caller, clean: dict) -> dict:
    """The message as stored: its `file`/`image` body rebuilt from the org's upload (one primary-key read)."""
    type_ = clean["type"]
    body = await db(attachment, caller.org_id, type_, clean[type_]["src"])
    return {**clean, type_: body}


def _validate(data: dict) -> dict:
    type_ = data.get("type")
    if type_ is None:
        raise MissingField("type is required", field="type")
    if not isinstance(type_, str) or type_ not in SCHEMAS:
        raise UnknownType(f"unknown message type {str(type_)[:40]!r}", field="type")
    if "mid" in data:
        raise UnknownField("mid is assigned by the server; omit it when sending", field="mid")
    return validate(SCHEMAS[type_], data)


def _check_sender(caller: Caller, clean: dict) -> None:
    """The sender is the authenticated caller, whatever the body claims."""
    require_own_org(caller, clean.get("cid"))
    claimed = clean.get("from", {})
    if "id" in claimed and claimed["id"] != caller.uid:
        raise BadToken("from.id is not the authenticated caller", field="from.id")
    if "role" in claimed and claimed["role"] != caller.role:
        raise Forbidden(f"from.role must be {caller.role!r}", field="from.role")


def _idempotency_key(body_key: str | None, header_key: str | None) -> str | None:
    if header_key is not None:
        if not CLIENT_MSG_ID.fullmatch(header_key):
            raise InvalidValue("Idempotency-Key must be 1-64 characters of [0-9A-Za-z._:-]", field="Idempotency-Key")
        if body_key is not None and body_key != header_key:
            raise InvalidValue("client_msg_id and Idempotency-Key differ", field="client_msg_id")
    return body_key or header_key
