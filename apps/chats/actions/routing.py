"""What follows a change to an org's chats: automatic assignment, then queue positions.

`settle` runs after every stored lifecycle event (and after content that put
a chat back in the queue) once it is published: an org with `auto_assign`
hands waiting chats to free agents (`assign.dispatch`), and every waiting
visitor whose place changed is told (`queue.announce_if_changed`).
"""

from __future__ import annotations

import logging

from apps.accounts.auth import STAFF, Caller
from apps.accounts.models import Staff
from apps.accounts.orgs import OrgInfo, get_org
from apps.core.db import db
from apps.realtime import presence
from apps.realtime.events import Event, Notice
from apps.realtime.publish import notify, publish

from .. import availability
from ..models import Chat
from ..queue import announce_if_changed
from .assign import dispatch
from .typing import platform_closed

log = logging.getLogger("horn.routing")


async def settle(org_id: int, events: list[Event], online_staff: list[str] | None = None) -> None:
    """Best effort, like publishing: the change is committed whatever happens here, and the next
    change settles the org again (a failure is logged, never the sender's error)."""
    try:
        await _settle(org_id, events, online_staff)
    except Exception:
        log.exception("settling org %d after seq %s failed", org_id, [e.seq for e in events][:5])


async def _settle(org_id: int, events: list[Event], online_staff: list[str] | None) -> None:
    org = await get_org(org_id)
    if org.auto_assign:
        if online_staff is None:
            online_staff = list(await presence.online(org_id, STAFF))
        assigned = await db(dispatch, org_id, online_staff)
        if assigned:
            await publish(assigned)
            events = [*events, *assigned]
    await _closed_to_returning_visitors(org, events, online_staff)
    await announce_if_changed(events)


async def _closed_to_returning_visitors(org: OrgInfo, events: list[Event], online_staff: list[str] | None) -> None:
    """A visitor whose message put their chat back in the queue (after agent_done) while nobody can take
    it is told `platform_closed`, as at a request; the chat waits as an offline chat."""
    back = {e.payload["chat"]["id"]: e.payload["from"]["id"] for e in events if _requeued(e)}
    for e in events:
        if e.payload["type"] == "join_chat":  # taken at once: nothing to tell
            back.pop(e.payload["chat"]["id"], None)
    if not back:
        return
    available = await availability.check(org, online_staff)
    if available.open:
        return
    await db(lambda: Chat.objects.filter(pk__in=list(back), state=Chat.REQUESTED).update(offline=True))
    for chat_id, visitor in back.items():
        await platform_closed(org.id, visitor, chat_id, available)


def _requeued(event: Event) -> bool:
    return event.payload["type"] == "request_chat" and event.payload.get("event", {}).get("requeued", False)


async def set_status(caller: Caller, status: str) -> None:
    """A staff member chooses online / away / offline; the org's staff are told, and an agent back online gets work."""
    await db(lambda: Staff.objects.filter(sid=caller.uid).update(status=status))
    await notify(Notice(caller.org_id, "presence", {"uid": caller.uid, "role": STAFF, "status": status}))
    if status == Staff.ONLINE:
        await settle(caller.org_id, [])


async def staff_came_online(org_id: int, sid: str) -> None:
    """A staff member connected or pinged after being away from the keyboard: chats may be waiting for them."""
    await settle(org_id, [])
