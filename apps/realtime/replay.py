"""Reading the durable log: what a recipient missed since its cursor, and gap fills for a push process.

The cursor is the organisation's event sequence (apps/chats/sequence.py), so
"everything after N" is one indexed range query. Recipients are decided by
current membership: a visitor gets the public events of the chats it is in; a
staff member the events of the chats it is in plus the org-wide ones (queue).
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q

from apps.accounts.auth import Caller
from apps.chats.actions.common import to_payload
from apps.chats.models import ChatMember, Message, OrgSequence
from apps.chats.sequence import current_seq

from .events import Event


class CursorGone(Exception):
    """The cursor cannot be served (too far behind, or ahead of this server's log)."""


def missed(caller: Caller, cursor: int, upto: int) -> tuple[list[tuple[int, dict]], int]:
    """(seq, payload) of the caller's events in (cursor, upto], and the cursor they bring it to.

    `upto` is the last event the process's hub has dispatched: everything
    after it reaches the subscriber live. A cursor past it is one another,
    faster process handed out; it is fine unless it is past the log itself.
    Past HORN_REPLAY_LIMIT missed events the client is told to re-init: a fresh
    state/init is cheaper for both sides than a replay that long.
    """
    limit = settings.HORN_REPLAY_LIMIT
    if cursor >= upto:
        last = current_seq(caller.org_id)
        if cursor > last:
            raise CursorGone(f"cursor {cursor} is ahead of the log ({last})")
        return [], cursor
    rows = Message.objects.filter(org_id=caller.org_id, seq__gt=cursor, seq__lte=upto)
    if caller.is_staff:
        chat_ids = list(
            ChatMember.objects.filter(uid=caller.uid, left_at__isnull=True).values_list("chat_id", flat=True)
        )
        rows = rows.filter(Q(chat_id__in=chat_ids) | Q(to_staff=True))
    else:
        # The chats it is in: its own, and a verified customer's chat it took part in from this device.
        chat_ids = list(ChatMember.objects.filter(uid=caller.uid).values_list("chat_id", flat=True))
        rows = rows.filter(Q(chat__creator_id=caller.uid) | Q(chat_id__in=chat_ids), visibility=Message.PUBLIC)
    found = list(rows.order_by("seq")[: limit + 1])
    if len(found) > limit:
        raise CursorGone(f"more than {limit} events since cursor {cursor}")
    return [(m.seq, to_payload(m)) for m in found], upto


def events_between(org_id: int, first: int, last: int) -> list[Event]:
    """The org's events first..last, for a push process that missed their publication."""
    rows = list(Message.objects.filter(org_id=org_id, seq__gte=first, seq__lte=last).order_by("seq"))
    members: dict[str, list[tuple[str, str]]] = {}
    current = ChatMember.objects.filter(chat_id__in={m.chat_id for m in rows}, left_at__isnull=True)
    for chat_id, uid, role in current.values_list("chat_id", "uid", "role"):
        members.setdefault(chat_id, []).append((uid, role))
    return [
        Event(
            org_id,
            m.seq,
            to_payload(m),
            tuple(members.get(m.chat_id, ())),
            internal=m.visibility == Message.INTERNAL,
            to_staff=m.to_staff,
        )
        for m in rows
    ]


def current_seqs(org_ids: list[int]) -> dict[int, int]:
    return dict(OrgSequence.objects.filter(org_id__in=org_ids).values_list("org_id", "seq"))
