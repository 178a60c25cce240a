"""viewing and invite: transient staff-to-staff events about a chat (the console's collision
detection and invitations), never stored, never to the visitor.

viewing: a staff member has a chat on screen, or no longer has.

Transient like typing: not stored, not replayed, never to the visitor. It goes
to every staff member of the org (any of them may open the chat, e.g. a
colleague already in it or a supervisor), not only to the chat's members, and
not back to the sender. The console repeats `on: true` while the chat stays on
screen, so a viewer whose tab died without saying `on: false` fades out on the
receiving side after a while (see docs/console.md); the server keeps nothing.
"""

from __future__ import annotations

from apps.accounts.auth import STAFF, Caller
from apps.accounts.models import Staff
from apps.core.db import db
from apps.core.errors import InvalidValue, NotFound
from apps.realtime.events import Transient
from apps.realtime.publish import publish_transient

from ..models import Chat
from .common import Sent
from .typing import _open_members, _payload


async def viewing(caller: Caller, data: dict) -> Sent:
    chat_id = data["chat"]["id"]
    staff = await db(_org_staff, caller, chat_id)
    payload = _payload(caller, "viewing", chat_id, {"on": data["event"]["on"]})
    await publish_transient(Transient(caller.org_id, payload, None, staff, caller.uid))
    return Sent(None, [])


def _org_staff(caller: Caller, chat_id: str) -> tuple[tuple[str, str], ...]:
    if not Chat.objects.filter(pk=chat_id, org_id=caller.org_id).exists():
        raise NotFound("chat not found", field="chat.id")
    # Staff only: the visitor is never among the recipients, whatever the chat's members.
    return tuple((sid, STAFF) for sid in Staff.objects.filter(org_id=caller.org_id).values_list("sid", flat=True))


async def invite(caller: Caller, data: dict) -> Sent:
    """A member of the chat asks a colleague to join it: pushed to that colleague only.

    Nothing changes until they accept, which is an ordinary `join_chat` (the
    chat's members are then told, as for any join). An invitation is not
    stored: a colleague who is offline never sees it, and the sender sees
    whether it was taken up from the join.
    """
    chat_id = data["chat"]["id"]
    target = data["event"]["staff"]
    name = await db(_check_invite, caller, chat_id, target)
    payload = _payload(caller, "invite", chat_id, {"staff": target, "name": name})
    await publish_transient(Transient(caller.org_id, payload, None, ((target, STAFF),), caller.uid))
    return Sent(None, [])


def _check_invite(caller: Caller, chat_id: str, target: str) -> str:
    members = _open_members(caller, chat_id)
    name = Staff.objects.filter(sid=target, org_id=caller.org_id).values_list("name", flat=True).first()
    if name is None:
        raise NotFound("no such staff member", field="event.staff")
    if any(uid == target for uid, _ in members):
        raise InvalidValue("they are already in this chat", field="event.staff")
    return name
