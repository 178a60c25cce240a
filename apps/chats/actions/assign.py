"""Automatic assignment: waiting chats go, oldest first, to the available agent with the most free capacity.

Orgs with `auto_assign` run `dispatch` after every change that adds a chat to
the queue or frees an agent (a request, a hand-over, an end, a leave, a status
change). Available means connected or pinging now (presence, passed in as
candidates) and with status `online`.

Capacity counts down (seed 003 "Count down current sessions for agent"): an
active chat weighs the chance that its visitor is still there, 1 while they
are, `LEFT_WEIGHT` once they have closed the chat window (`client_left`) until
they write again. An agent gets a new chat while `max_chats` minus that load
leaves room for a whole one.

The candidates' rows are locked (in sid order) before their chats are counted,
so two dispatches at once count each other's assignments: Django runs MySQL at
READ COMMITTED, so the count after the lock sees every committed assignment,
and nobody ever goes past `max_chats`. Waiting chats are locked with SKIP
LOCKED: a chat someone is claiming by hand right now is left to them.

Queues (departments): an agent with `queues` gets only chats whose `queue` is
one of them; an agent without gets chats of every queue. A chat no free agent
serves waits, and younger chats of other queues go past it.
"""

from __future__ import annotations

from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from apps.accounts.auth import STAFF, Caller
from apps.accounts.models import Staff
from apps.realtime.events import Event

from ..models import Chat, ChatMember
from .common import bots_step_out, current_members, store, taken_by

LEFT_WEIGHT = 0.5  # an active chat whose visitor closed the chat window
BATCH = 50  # waiting chats looked at per dispatch


def dispatch(org_id: int, candidates: list[str]) -> list[Event]:
    """Assign what can be assigned now; the join_chat events to publish."""
    if not candidates or not Chat.objects.filter(org_id=org_id, state=Chat.REQUESTED).exists():
        return []
    with transaction.atomic():
        free = _free_capacity(org_id, candidates)
        if not free:
            return []
        events: list[Event] = []
        waiting = Chat.objects.filter(org_id=org_id, state=Chat.REQUESTED).order_by("waiting_since", "created_at")
        for chat_id, queue in waiting.values_list("pk", "queue")[:BATCH]:
            serving = [s for s, (room, _, queues) in free.items() if room >= 1 and (not queues or queue in queues)]
            if not serving:
                if all(room < 1 for room, _, _ in free.values()):
                    break
                continue
            sid = min(serving, key=lambda s: (-free[s][0], s))  # most free capacity; ties by sid
            room, agent, queues = free[sid]
            chat = Chat.objects.select_for_update(skip_locked=True).filter(pk=chat_id, state=Chat.REQUESTED).first()
            if chat is None:
                continue
            events += assign(chat, agent)
            free[sid] = (room - 1, agent, queues)
        return events


def assign(chat: Chat, agent: Caller) -> list[Event]:
    """`agent` joins the locked, waiting `chat` as its owner."""
    before = current_members(chat)
    bots_step_out(chat, before)
    rejoined = ChatMember.objects.filter(chat=chat, uid=agent.uid).update(left_at=None)
    if not rejoined:
        ChatMember.objects.create(chat=chat, uid=agent.uid, role=STAFF)
    taken = taken_by(chat, agent.uid, timezone.now())
    Chat.objects.filter(pk=chat.pk).update(owner_id=agent.uid, state=Chat.ACTIVE, waiting_since=None, **taken)
    body = {"event": {"chat": {"id": chat.id}, "assigned": True}}
    members = tuple(dict.fromkeys([*before, (agent.uid, STAFF)]))
    return store(agent, chat, "join_chat", body, None, "", to_staff=True, members=members).events


def _free_capacity(org_id: int, candidates: list[str]) -> dict[str, tuple[float, Caller, frozenset[str]]]:
    """sid -> (free capacity, the agent, their queues or empty for all), for the available agents, locked."""
    staff = list(
        Staff.objects.select_for_update()
        .filter(org_id=org_id, sid__in=sorted(candidates), status=Staff.ONLINE)
        .order_by("sid")
        .values_list("sid", "name", "max_chats", "queues")
    )
    load: dict[str, float] = defaultdict(float)
    owned = Chat.objects.filter(owner_id__in=[sid for sid, *_ in staff], state=Chat.ACTIVE)
    for owner, left_at in owned.values_list("owner_id", "visitor_left_at"):
        load[owner] += 1.0 if left_at is None else LEFT_WEIGHT
    return {
        sid: (max_chats - load[sid], Caller(uid=sid, role=STAFF, org_id=org_id, name=name), frozenset(queues or ()))
        for sid, name, max_chats, queues in staff
    }
