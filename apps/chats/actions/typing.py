"""typing, read and client_unload: transient chat events, pushed to the other members, not stored in the log.

typing: a member started or stopped typing. Not replayed, not echoed to the sender.

A visitor's draft (`event.text`) reaches staff only, the "sneak peek" of
seed 003; the visitor sees that staff are typing, never what.
"""

from __future__ import annotations

import time

from apps.accounts.auth import USER, Caller
from apps.core.db import db
from apps.core.errors import NotFound
from apps.realtime.events import Transient
from apps.realtime.publish import publish_transient

from ..models import Chat, ChatMember, Message
from ..queue import SYSTEM
from .common import Sent, require_open_member


async def typing(caller: Caller, data: dict) -> Sent:
    chat_id = data["chat"]["id"]
    members = await db(_open_members, caller, chat_id)
    payload = _payload(caller, "typing", chat_id, {"on": data["event"]["on"]})
    draft = data["event"].get("text")
    staff_payload = payload
    if caller.role == USER and draft and data["event"]["on"]:
        staff_payload = {**payload, "event": {"on": True, "text": draft}}
    await publish_transient(Transient(caller.org_id, staff_payload, payload, members, caller.uid))
    return Sent(None, [])


def _payload(caller: Caller, type_: str, chat_id: str, event: dict) -> dict:
    """A transient event in the shape of a message (no mid, no version: nothing is stored)."""
    return {
        "cid": caller.org_id,
        "type": type_,
        "from": {"id": caller.uid, "name": caller.name, "role": caller.role},
        "chat": {"id": chat_id},
        "t": {"t0": int(time.time())},
        "event": event,
    }


def _open_members(caller: Caller, chat_id: str) -> tuple[tuple[str, str], ...]:
    chat = Chat.objects.filter(pk=chat_id, org_id=caller.org_id).only("id", "state").first()
    if chat is None:
        raise NotFound("chat not found", field="chat.id")
    return require_open_member(caller, chat)


async def read(caller: Caller, data: dict) -> Sent:
    """A read receipt: the caller has read the chat up to `event.mid`. Kept per member, pushed to the others."""
    chat_id = data["chat"]["id"]
    seq, members = await db(_mark_read, caller, chat_id, data["event"]["mid"])
    payload = _payload(caller, "read", chat_id, {"mid": data["event"]["mid"], "version": str(seq)})
    await publish_transient(Transient(caller.org_id, payload, payload, members, caller.uid))
    return Sent(None, [])


def _mark_read(caller: Caller, chat_id: str, mid: str) -> tuple[int, tuple[tuple[str, str], ...]]:
    members = _open_members(caller, chat_id)
    visible = Message.objects.filter(pk=mid, chat_id=chat_id)
    if caller.role == USER:
        visible = visible.filter(visibility=Message.PUBLIC)
    seq = visible.values_list("seq", flat=True).first()
    if seq is None:
        raise NotFound("no such message in this chat", field="event.mid")
    # Receipts only move forward (a late receipt for an older message changes nothing).
    ChatMember.objects.filter(chat_id=chat_id, uid=caller.uid, left_at__isnull=True, read_seq__lt=seq).update(
        read_seq=seq
    )
    return seq, members


async def client_unload(caller: Caller, data: dict) -> Sent:
    """The visitor closed the tab or the browser, or reloaded the page (seed 003): staff are told, nothing changes.

    A reload sends it too, so it is only a hint; the visitor's presence and
    `client_left` say more.
    """
    chat_id = data["chat"]["id"]
    members = await db(_open_members, caller, chat_id)
    payload = _payload(caller, "client_unload", chat_id, {})
    await publish_transient(Transient(caller.org_id, payload, None, members, caller.uid))
    return Sent(None, [])


async def platform_closed(org_id: int, visitor: str, chat_id: str, available) -> None:
    """Tell a visitor that nobody can take their chat now (seed 003 platform_closed), on every tab."""
    payload = {
        "cid": org_id,
        "type": "platform_closed",
        "from": SYSTEM,
        "chat": {"id": chat_id},
        "t": {"t0": int(time.time())},
        "event": available.as_dict(),
    }
    await publish_transient(Transient(org_id, payload, payload, ((visitor, USER),), ""))
