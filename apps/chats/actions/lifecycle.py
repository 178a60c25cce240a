"""The lifecycle of a chat after its request: leaving, handing over, identifying, ending.

Each function is one domain action: it locks the chat, checks the caller may do
it, writes the rows and stores the event (which `send_message` publishes).
"""

from __future__ import annotations

from django.utils import timezone

from apps.accounts.auth import BOT, STAFF, Caller
from apps.accounts.models import Bot, Staff
from apps.core.errors import Forbidden, InvalidValue, NotFound
from apps.visitors.models import Visitor
from apps.visitors.selectors import customer_of

from ..models import Chat, ChatMember
from ..report_facts import counted_messages
from .common import Sent, first_in_line, idempotent, lock_as_member, store, taken_by


@idempotent
def leave_chat(caller: Caller, data: dict, key: str | None, digest: str) -> Sent:
    """The caller leaves; they may join again later. The event reaches them too (their console drops the chat)."""
    chat, members = lock_as_member(caller, data)
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
    chat, members = lock_as_member(caller, data)
    # A chat that was waiting leaves the queue: every staff member of the org is told. Reports call it
    # missed: it ended before anyone took it (again).
    waiting = chat.state == Chat.REQUESTED
    Chat.objects.filter(pk=chat.pk).update(
        state=Chat.ENDED,
        ended_at=timezone.now(),
        waiting_since=None,
        ended_by=caller.role,
        missed=waiting,
        message_count=counted_messages(chat.pk),
    )
    event = {"chat": {"id": chat.id}}
    if data.get("event", {}).get("reason"):
        event["reason"] = data["event"]["reason"]
    return store(caller, chat, "end_chat", {"event": event}, key, digest, members=members, to_staff=waiting)


@idempotent
def agent_done(caller: Caller, data: dict, key: str | None, digest: str) -> Sent:
    """Every staff member leaves; the chat stays open with no agent (seed 003 agentDone).

    The visitor's next message puts it first in line again (see content.py).
    """
    chat, members = lock_as_member(caller, data)
    staff = [uid for uid, role in members if role != "user"]
    ChatMember.objects.filter(chat=chat, uid__in=staff, left_at__isnull=True).update(left_at=timezone.now())
    Chat.objects.filter(pk=chat.pk).update(state=Chat.AGENT_DONE, owner_id=None, waiting_since=None)
    body = {"event": {"chat": {"id": chat.id}}}
    return store(caller, chat, "agent_done", body, key, digest, members=members)


@idempotent
def customer_identified(caller: Caller, data: dict, key: str | None, digest: str) -> Sent:
    """Staff link the chat's visitor to the org's own customer id; staff in the chat see it, the visitor does not.

    The link is unverified (it shares no chats). A visitor the org's HMAC
    verified keeps its link: the same id changes nothing, another is refused.
    """
    chat, members = lock_as_member(caller, data)
    customer_id = data["event"]["customer_id"]
    visitor = Visitor.objects.select_for_update().get(pk=chat.creator_id)
    if visitor.customer_verified and visitor.customer_id != customer_id:
        raise Forbidden("the visitor is verified as another customer", field="event.customer_id")
    if visitor.customer_id != customer_id:
        # Another person than the one track claimed: the name and e-mail of that claim go with it.
        visitor.customer_id, visitor.customer_name, visitor.customer_email = customer_id, "", ""
        visitor.save(update_fields=["customer_id", "customer_name", "customer_email"])
    event = {"chat": {"id": chat.id}, "uid": chat.creator_id, "customer_id": customer_id}
    body = {"event": {**event, "customer": customer_of(visitor)}}
    return store(caller, chat, "customer_identified", body, key, digest, members=members, internal=True)


@idempotent
def transfer(caller: Caller, data: dict, key: str | None, digest: str) -> Sent:
    """Hand the chat to a colleague (they join as owner, the sender leaves) or to a queue (first in line)."""
    chat, members = lock_as_member(caller, data)
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
        taken = taken_by(chat, target[0], now)  # a bot hands its chat straight to a person
        Chat.objects.filter(pk=chat.pk).update(owner_id=target[0], state=Chat.ACTIVE, waiting_since=None, **taken)
        recipients = tuple(dict.fromkeys([*members, (target[0], STAFF)]))
        event = {"chat": {"id": chat.id}, "to": {"staff": target[0], "name": target[1]}}
        return store(caller, chat, "transfer", {"event": event}, key, digest, members=recipients)
    if "bot" in to:
        # A bot finishes the chat in the agent's name (seed 003 "The bot ends a session for the
        # agent"): the agent leaves but stays its owner, so a handover_to_agent brings it back to them.
        if caller.role != STAFF:
            raise InvalidValue("only staff hand a chat to a bot", field="event.to.bot")
        bot = Bot.objects.filter(bid=to["bot"], org_id=caller.org_id, is_active=True).values_list("bid", "name").first()
        if bot is None:
            raise NotFound("no such bot", field="event.to.bot")
        ChatMember.objects.filter(chat=chat, uid=caller.uid, left_at__isnull=True).update(left_at=now)
        if not ChatMember.objects.filter(chat=chat, uid=bot[0]).update(left_at=None, joined_at=now):
            ChatMember.objects.create(chat=chat, uid=bot[0], role=BOT)
        Chat.objects.filter(pk=chat.pk).update(owner_id=caller.uid, state=Chat.ACTIVE, waiting_since=None)
        recipients = tuple(dict.fromkeys([*members, (bot[0], BOT)]))
        event = {"chat": {"id": chat.id}, "to": {"bot": bot[0], "name": bot[1]}}
        # Internal: "the customer never noticed that he left the agent for a short while".
        return store(caller, chat, "transfer", {"event": event}, key, digest, members=recipients, internal=True)
    # To a queue (handover_to_queue): staff leave and the chat waits first in line there; a bot stays
    # with the visitor until a person takes the chat, as after handover_to_agent.
    staff = [uid for uid, role in members if role == STAFF]
    ChatMember.objects.filter(chat=chat, uid__in=staff, left_at__isnull=True).update(left_at=now)
    first = first_in_line(caller.org_id, now)
    Chat.objects.filter(pk=chat.pk).update(
        owner_id=None, state=Chat.REQUESTED, queue=to["queue"], waiting_since=first, offline=False
    )
    event = {"chat": {"id": chat.id}, "to": {"queue": to["queue"]}}
    return store(caller, chat, "transfer", {"event": event}, key, digest, members=members, to_staff=True)


@idempotent
def handover_to_agent(caller: Caller, data: dict, key: str | None, digest: str) -> Sent:
    """A bot hands its chat to people (seed 003 handover_to_agent).

    A chat an agent handed to the bot goes straight back to that agent, and the
    bot leaves. Otherwise the chat waits in the queue, in order of its request;
    the bot stays with the visitor until a person takes it (it may check that
    the visitor is still there), and a second hand-over of a waiting chat puts
    it first in line.
    """
    chat, members = lock_as_member(caller, data)
    now = timezone.now()
    body = {"event": {"chat": {"id": chat.id}}}
    agent = chat.owner_id
    if agent is not None and all(uid != agent for uid, _ in members):
        bots = [uid for uid, role in members if role == BOT]
        ChatMember.objects.filter(chat=chat, uid__in=bots, left_at__isnull=True).update(left_at=now)
        ChatMember.objects.filter(chat=chat, uid=agent).update(left_at=None, joined_at=now)
        Chat.objects.filter(pk=chat.pk).update(state=Chat.ACTIVE, waiting_since=None)
        body["event"]["to"] = {"staff": agent}
        recipients = tuple(dict.fromkeys([*members, (agent, STAFF)]))
        return store(caller, chat, "handover_to_agent", body, key, digest, members=recipients, internal=True)
    waiting_since = first_in_line(caller.org_id, now) if chat.state == Chat.REQUESTED else chat.created_at
    # A live wait now, even if the chat was opened as an offline one: the visitor gets queue positions.
    Chat.objects.filter(pk=chat.pk).update(
        owner_id=None, state=Chat.REQUESTED, waiting_since=waiting_since, offline=False
    )
    return store(caller, chat, "handover_to_agent", body, key, digest, members=members, to_staff=True)


@idempotent
def client_left(caller: Caller, data: dict, key: str | None, digest: str) -> Sent:
    """The visitor closed the chat window (seed 003 client_left). The chat stays open: they may come back.

    Staff are told; until the visitor writes again the chat weighs less on its
    agent's capacity (see assign.py).
    """
    chat, members = lock_as_member(caller, data)
    Chat.objects.filter(pk=chat.pk).update(visitor_left_at=timezone.now())
    body = {"event": {"chat": {"id": chat.id}}}
    return store(caller, chat, "client_left", body, key, digest, members=members, internal=True)
