"""join_chat: staff join a chat, or claim the one waiting longest (FIFO)."""

from __future__ import annotations

from dataclasses import replace

from django.conf import settings
from django.utils import timezone

from apps.accounts.auth import BOT, Caller
from apps.core.errors import ChatEnded, NothingWaiting

from ..models import Chat, ChatMember, Message
from ..selectors import recent_messages
from ..sequence import current_seq
from .common import Sent, bots_step_out, current_members, idempotent, lock_chat, store, taken_by

# Claimers racing for the head of the queue skip past each other; this many is plenty.
CLAIM_CANDIDATES = 50


@idempotent
def join_chat(caller: Caller, data: dict, key: str | None, digest: str) -> Sent:
    chat_id = data.get("chat", {}).get("id") or data.get("event", {}).get("chat", {}).get("id")
    chat = lock_chat(caller, chat_id) if chat_id else _claim_oldest(caller, data.get("event", {}).get("queue"))
    if chat.state == Chat.ENDED:
        raise ChatEnded(field="chat.id")
    member = ChatMember.objects.filter(chat=chat, uid=caller.uid).first()
    if member is not None and member.left_at is None:
        # Already in: a repeated join changes nothing and answers with the join that counted.
        return Sent(_last_join(chat, caller), [], {"chat": _history(chat, current_seq(caller.org_id))})
    before = current_members(chat)
    if member is None:
        ChatMember.objects.create(chat=chat, uid=caller.uid, role=caller.role)
    else:
        ChatMember.objects.filter(pk=member.pk).update(left_at=None, joined_at=timezone.now())
    if caller.role == BOT:
        # A bot takes the chat out of the queue, but ownership is for people (see handover_to_agent).
        Chat.objects.filter(pk=chat.pk).update(state=Chat.ACTIVE, waiting_since=None)
    else:
        if chat.state == Chat.REQUESTED:
            bots_step_out(chat, before)
        if chat.owner_id is None:
            # The first staff member to join a waiting chat owns it.
            taken = taken_by(chat, caller.uid, timezone.now())
            Chat.objects.filter(pk=chat.pk).update(owner_id=caller.uid, state=Chat.ACTIVE, waiting_since=None, **taken)
    body = {"event": {"chat": {"id": chat.id}}}
    members = tuple(dict.fromkeys([*before, (caller.uid, caller.role)]))
    sent = store(caller, chat, "join_chat", body, key, digest, to_staff=True, members=members)
    return replace(sent, extra={"chat": _history(chat, sent.message.seq)})


def _history(chat: Chat, upto: int) -> dict:
    """The joined chat's latest messages, notes included, with their times (seed 000 Session.history).

    The same window as state/init; `has_more` says GET /api/chat/history has older ones.
    """
    msgs, has_more = recent_messages([chat.pk], upto, public_only=False, limit=settings.HORN_INIT_HISTORY)[chat.pk]
    return {"msgs": msgs, "has_more": has_more}


def _claim_oldest(caller: Caller, queue: str | None) -> Chat:
    """Lock the longest-waiting chat (of `queue`, if given) nobody else is claiming right now.

    Candidates are read without locks, then locked one by one by primary key
    with SKIP LOCKED: a locking read that sorted the whole queue would lock
    every row it sorted and starve the other claimers.
    """
    waiting = Chat.objects.filter(org_id=caller.org_id, state=Chat.REQUESTED).order_by("waiting_since", "created_at")
    if queue is not None:
        waiting = waiting.filter(queue=queue)
    for chat_id in waiting.values_list("pk", flat=True)[:CLAIM_CANDIDATES]:
        chat = Chat.objects.select_for_update(skip_locked=True).filter(pk=chat_id, state=Chat.REQUESTED).first()
        if chat is not None:
            return chat
    if queue is not None:
        raise NothingWaiting(f"no chat is waiting in queue {queue!r}", field="event.queue")
    raise NothingWaiting()


def _last_join(chat: Chat, caller: Caller) -> Message:
    return Message.objects.filter(chat=chat, sender_id=caller.uid, type="join_chat").order_by("-seq").first()
