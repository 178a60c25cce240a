"""leave_chat, agent_done and end_chat: staff leave a chat or hand it back; anyone in it ends it."""

from __future__ import annotations

from django.utils import timezone

from apps.accounts.auth import Caller
from apps.visitors.models import Visitor

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


@idempotent
def agent_done(caller: Caller, data: dict, key: str | None, digest: str) -> Sent:
    """Every staff member leaves; the chat stays open with no agent (seed 003 agentDone).

    The visitor's next message puts it first in line again (see content.py).
    """
    chat = lock_chat(caller, data["chat"]["id"])
    members = require_open_member(caller, chat)
    staff = [uid for uid, role in members if role != "user"]
    ChatMember.objects.filter(chat=chat, uid__in=staff, left_at__isnull=True).update(left_at=timezone.now())
    Chat.objects.filter(pk=chat.pk).update(state=Chat.AGENT_DONE, owner_id=None, waiting_since=None)
    body = {"event": {"chat": {"id": chat.id}}}
    return store(caller, chat, "agent_done", body, key, digest, members=members)


@idempotent
def customer_identified(caller: Caller, data: dict, key: str | None, digest: str) -> Sent:
    """Staff link the chat's visitor to the org's own customer id; staff in the chat see it, the visitor does not."""
    chat = lock_chat(caller, data["chat"]["id"])
    members = require_open_member(caller, chat)
    customer_id = data["event"]["customer_id"]
    Visitor.objects.filter(pk=chat.creator_id).update(customer_id=customer_id)
    body = {"event": {"chat": {"id": chat.id}, "uid": chat.creator_id, "customer_id": customer_id}}
    return store(caller, chat, "customer_identified", body, key, digest, members=members, internal=True)
