"""Reads of chats: the state a client starts from (`state/init`).

A fixed number of queries however long the history: chats, member counts and
messages are each fetched in one query for all chats.
"""

from __future__ import annotations

from django.db.models import Count, Q

from apps.accounts.auth import Caller

from .actions.common import to_payload
from .models import Chat, ChatMember, Message
from .sequence import current_seq

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def load_state(caller: Caller) -> dict:
    # The version is read first: every event up to it has committed (see
    # sequence.py), so the snapshot is "everything <= version" and push
    # delivers everything after it.
    version = current_seq(caller.org_id)
    if caller.is_staff:
        chat_ids = ChatMember.objects.filter(uid=caller.uid, left_at__isnull=True).values_list("chat_id", flat=True)
        chats = Chat.objects.filter(org_id=caller.org_id, pk__in=list(chat_ids)).exclude(state=Chat.ENDED)
    else:
        chats = Chat.objects.filter(org_id=caller.org_id, creator_id=caller.uid).exclude(state=Chat.ENDED)
    chats = list(chats.annotate(user_num=Count("members", filter=Q(members__left_at__isnull=True))))
    messages = Message.objects.filter(chat__in=[c.pk for c in chats], seq__lte=version).order_by("seq")
    if not caller.is_staff:
        messages = messages.filter(visibility=Message.PUBLIC)
    by_chat: dict[str, list] = {c.pk: [] for c in chats}
    for message in messages:
        by_chat[message.chat_id].append(to_payload(message))
    state = {"chats": [chat_row(c, by_chat[c.pk]) for c in chats], "version": str(version)}
    if caller.is_staff:
        state["queue"] = waiting_chats(caller.org_id)
    return state


def waiting_chats(org_id: int) -> list[dict]:
    """The org's queue, longest waiting first (contents are for members only)."""
    waiting = Chat.objects.filter(org_id=org_id, state=Chat.REQUESTED).order_by("waiting_since", "created_at")
    return [
        {"id": c.pk, "creator": c.creator_id, "queue": c.queue, "waiting_since": int(c.waiting_since.timestamp())}
        for c in waiting
    ]


def chat_row(chat: Chat, msgs: list[dict]) -> dict:
    """A chat as seed 004's init returns it."""
    return {
        "id": chat.pk,
        "chat_id": chat.pk,
        "gid": chat.queue,
        "creator": chat.creator_id,
        "staff_id": chat.owner_id or "",
        "user_num": str(chat.user_num),
        "state": chat.state,
        "created_at": chat.created_at.strftime(TIME_FORMAT),
        "ended_at": chat.ended_at.strftime(TIME_FORMAT) if chat.ended_at else "",
        "msgs": msgs,
    }
