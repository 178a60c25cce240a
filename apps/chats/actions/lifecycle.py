"""leave_chat and end_chat: staff leave a chat; anyone in it ends it for everyone."""

from __future__ import annotations

from django.utils import timezone

from apps.accounts.auth import Caller

from ..models import Chat, ChatMember
from .common import Sent, idempotent, lock_chat, require_open_member, store


@idempotent
def leave_chat(caller: Caller, data: dict, key: str | None, digest: str) -> Sent:
    """The caller leaves; they may join again later. The event reaches them too (their console drops the chat)."""
    chat = lock_chat(caller, data["chat"]["id"])
    members = require_open_member(caller, chat)
    ChatMember.objects.filter(chat=chat, uid=caller.uid, left_at__isnull=True).update(left_at=timezone.now())
    if chat.owner_id == caller.uid:
        # Ownership passes to the staff member who joined first among those still in, if any.
        heir = next((uid for uid, role in members if role != "user" and uid != caller.uid), None)
        Chat.objects.filter(pk=chat.pk).update(owner_id=heir)
    body = {"event": {"chat": {"id": chat.id}}}
    return store(caller, chat, "leave_chat", body, key, digest, members=members)


@idempotent
def end_chat(caller: Caller, data: dict, key: str | None, digest: str) -> Sent:
    """The chat ends for everyone (a visitor's hang-up, staff's end_session); every member is told why."""
    chat = lock_chat(caller, data["chat"]["id"])
    members = require_open_member(caller, chat)
    Chat.objects.filter(pk=chat.pk).update(state=Chat.ENDED, ended_at=timezone.now(), waiting_since=None)
    event = {"chat": {"id": chat.id}}
    if data.get("event", {}).get("reason"):
        event["reason"] = data["event"]["reason"]
    # A chat that was waiting leaves the queue: every staff member of the org is told.
    waiting = chat.state == Chat.REQUESTED
    return store(caller, chat, "end_chat", {"event": event}, key, digest, members=members, to_staff=waiting)
