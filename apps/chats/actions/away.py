"""An agent whose console went away: their chats go back to the queue (per org), so no visitor waits
for someone who went home.

Called once per expiry by presence's sweep (the process whose ZREM removed the
agent), so after the grace period presence already gives: no connection and
no ping for two heartbeat intervals. Every console tab closed, a laptop lid
shut, or a network gone all look the same from here.

For each active chat the agent is still in: if colleagues are in it too, the
agent leaves (ownership passes on, as with `leave_chat`); if the agent is the
only staff member, the chat goes back to its queue, first in line (a
`transfer` to the queue in the agent's name, as if they had clicked it). An
org with `offline_chats = "keep"` leaves the chats with the agent.
"""

from __future__ import annotations

import logging

from apps.accounts.auth import STAFF, Caller
from apps.accounts.models import Organisation, Staff
from apps.core.db import db
from apps.realtime.events import Event
from apps.realtime.publish import publish

from ..models import Chat, ChatMember
from .lifecycle import leave_chat, transfer
from .routing import settle

log = logging.getLogger("horn.away")


async def staff_went_offline(org_id: int, sid: str) -> None:
    """Best effort, like settle: a failure is logged; the chats stay where they were."""
    try:
        events = await db(_hand_back, org_id, sid)
    except Exception:
        log.exception("handing back the chats of %s (org %d) failed", sid, org_id)
        return
    if events:
        await publish(events)
        await settle(org_id, events)


def _hand_back(org_id: int, sid: str) -> list[Event]:
    policy = Organisation.objects.filter(pk=org_id).values_list("offline_chats", flat=True).first()
    if policy != Organisation.REQUEUE:
        return []
    staff = Staff.objects.filter(sid=sid, org_id=org_id).values_list("name", flat=True).first()
    if staff is None:
        return []
    agent = Caller(uid=sid, role=STAFF, org_id=org_id, name=staff)
    chats = (
        ChatMember.objects.filter(uid=sid, left_at__isnull=True, chat__org_id=org_id, chat__state=Chat.ACTIVE)
        .values_list("chat_id", "chat__queue")
        .order_by("chat_id")
    )
    events: list[Event] = []
    for chat_id, queue in chats:
        colleagues = (
            ChatMember.objects.filter(chat_id=chat_id, role=STAFF, left_at__isnull=True).exclude(uid=sid).exists()
        )
        body = {"chat": {"id": chat_id}}
        # One action per chat, each its own short transaction (the actions lock the chat themselves);
        # a chat that changed meanwhile (ended, transferred) refuses, and the rest still go back.
        try:
            if colleagues:
                sent = leave_chat(agent, body, None, "")
            else:
                sent = transfer(agent, {**body, "event": {"to": {"queue": queue}}}, None, "")
        except Exception:
            log.exception("handing back chat %s of %s failed", chat_id, sid)
            continue
        events += sent.events
    return events
