"""leave_chat, agent_done and end_chat: staff leave a chat or hand it back; anyone in it ends it."""

from __future__ import annotations

from django.utils import timezone

from apps.accounts.auth import STAFF, Caller
from apps.accounts.models import Staff
from apps.core.errors import InvalidValue, NotFound
from apps.visitors.models import Visitor

from ..models import Chat, ChatMember
from .common import Sent, first_in_line, idempotent, lock_chat, require_open_member, store


@idempotent
def leave_chat(caller: Caller, data: dict, key: str | None, digest: str) -> Sent:
    """The caller leaves; they may join again later. The event reaches them too (their console drops the chat)."""
    chat = lock_chat(caller, data["chat"]["id"])
    members = require_open_member(caller, chat)
    ChatMember.objects.filter(chat=chat, uid=caller.uid, left_at__isnull=True).update(left_at=timezone.now())
    if chat.owner_id == caller.uid:
        # Ownership passes to the staff member who joined first among those still in, if any.
        heir = next((uid for uid, role in members if role == STAFF and uid != caller.uid), None)
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


@idempotent
def transfer(caller: Caller, data: dict, key: str | None, digest: str) -> Sent:
    """Hand the chat to a colleague (they join as owner, the sender leaves) or to a queue (first in line)."""
    chat = lock_chat(caller, data["chat"]["id"])
    members = require_open_member(caller, chat)
    to = data["event"]["to"]
    now = timezone.now()
    if "staff" in to:
        target = Staff.objects.filter(sid=to["staff"], org_id=caller.org_id).values_list("sid", "name").first()
        if target is None:
            raise NotFound("no such staff member", field="event.to.staff")
        if target[0] == caller.uid:
            raise InvalidValue("a chat cannot be transferred to its sender", field="event.to.staff")
        ChatMember.objects.filter(chat=chat, uid=caller.uid, left_at__isnull=True).update(left_at=now)
        joined = ChatMember.objects.filter(chat=chat, uid=target[0]).update(left_at=None, joined_at=now)
        if not joined:
            ChatMember.objects.create(chat=chat, uid=target[0], role=STAFF)
        Chat.objects.filter(pk=chat.pk).update(owner_id=target[0], state=Chat.ACTIVE, waiting_since=None)
        recipients = tuple(dict.fromkeys([*members, (target[0], STAFF)]))
        event = {"chat": {"id": chat.id}, "to": {"staff": target[0], "name": target[1]}}
        return store(caller, chat, "transfer", {"event": event}, key, digest, members=recipients)
    # To a queue: every staff member leaves and the chat waits first in line there.
    staff = [uid for uid, role in members if role != "user"]
    ChatMember.objects.filter(chat=chat, uid__in=staff, left_at__isnull=True).update(left_at=now)
    first = first_in_line(caller.org_id, now)
    Chat.objects.filter(pk=chat.pk).update(owner_id=None, state=Chat.REQUESTED, queue=to["queue"], waiting_since=first)
    event = {"chat": {"id": chat.id}, "to": {"queue": to["queue"]}}
    return store(caller, chat, "transfer", {"event": event}, key, digest, members=members, to_staff=True)


@idempotent
def handover_to_agent(caller: Caller, data: dict, key: str | None, digest: str) -> Sent:
    """A bot hands its chat to people: the bot leaves and the chat waits in the queue, in order of its request."""
    chat = lock_chat(caller, data["chat"]["id"])
    members = require_open_member(caller, chat)
    bots = [uid for uid, role in members if role == "bot"]
    ChatMember.objects.filter(chat=chat, uid__in=bots, left_at__isnull=True).update(left_at=timezone.now())
    Chat.objects.filter(pk=chat.pk).update(owner_id=None, state=Chat.REQUESTED, waiting_since=chat.created_at)
    body = {"event": {"chat": {"id": chat.id}}}
    return store(caller, chat, "handover_to_agent", body, key, digest, members=members, to_staff=True)
