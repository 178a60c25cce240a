"""viewing: a staff member has a chat on screen, or no longer has (collision detection).

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
from apps.core.errors import NotFound
from apps.realtime.events import Transient
from apps.realtime.publish import publish_transient

from ..models import Chat
from .common import Sent
from .typing import _payload


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
