"""Reads of chats: the state a client starts from (`state/init`) and older history.

A fixed number of queries however long the history: chats, member counts and
messages are each fetched in one query for all chats. Each chat comes with its
latest `HORN_INIT_HISTORY` messages (and `has_more` when there are older
ones, which `GET /api/chat/history` pages through), so the cost of an init
follows the window, not the length of the conversation.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Count, Q

from apps.accounts.auth import Caller
from apps.core.errors import NotFound
from apps.visitors.selectors import customer_of

from .actions.common import to_payload
from .customers import verified_customer, visible_chats
from .models import Chat, ChatMember, Message
from .queue import positions
from .sequence import current_seq

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def load_state(caller: Caller) -> dict:
    # The version is read first: every event up to it has committed (see
    # sequence.py), so the snapshot is "everything <= version" and push
    # delivers everything after it.
    version = current_seq(caller.org_id)
    if caller.is_staff:
        chat_ids = ChatMember.objects.filter(uid=caller.uid, left_at__isnull=True).values_list("chat_id", flat=True)
        chats = Chat.objects.filter(org_id=caller.org_id, pk__in=list(chat_ids)).select_related("creator")
    else:
        customer_id = verified_customer(caller.org_id, caller.uid)
        chats = Chat.objects.filter(visible_chats(caller.org_id, caller.uid, customer_id))
    chats = list(
        chats.exclude(state=Chat.ENDED).annotate(user_num=Count("members", filter=Q(members__left_at__isnull=True)))
    )
    limit = settings.HORN_INIT_HISTORY
    latest = recent_messages([c.pk for c in chats], version, public_only=not caller.is_staff, limit=limit)
    rows = [chat_row(c, *latest[c.pk]) for c in chats]
    receipts = ChatMember.objects.filter(chat_id__in=[c.pk for c in chats], left_at__isnull=True, read_seq__gt=0)
    read: dict[str, dict[str, str]] = {c.pk: {} for c in chats}
    for chat_id, uid, seq in receipts.values_list("chat_id", "uid", "read_seq"):
        read[chat_id][uid] = str(seq)
    for row in rows:  # who has read up to which version (`read` receipts)
        row["read"] = read[row["id"]]
    if any(c.state == Chat.REQUESTED for c in chats):  # where a waiting chat is in its queue
        place = {chat_id: position for chat_id, _, position in positions(caller.org_id)}
        for row in rows:
            if row["id"] in place:
                row["queue_number"] = place[row["id"]]
    if caller.is_staff:  # who the visitor is (track's customer, customer_identified) is for staff
        for row, chat in zip(rows, chats, strict=True):
            row["customer_id"] = chat.creator.customer_id
            row["customer"] = customer_of(chat.creator)
    state = {"chats": rows, "version": str(version)}
    if caller.is_staff:
        state["queue"] = waiting_chats(caller.org_id)
        state["ratings"] = recent_ratings(caller)
    else:
        state["past_chats"] = past_chats(caller.org_id, caller.uid, customer_id)
    return state


# Enough to show "your earlier conversations" and "how your last chats were rated" at start-up;
# older ones are a history page away (GET /api/chat/history), and init stays one bounded read.
PAST_CHATS = 20
RECENT_RATINGS = 20


def past_chats(org_id: int, vid: str, customer_id: str | None) -> list[dict]:
    """The visitor's latest ended chats (and its verified customer's from other devices), newest first."""
    ended = Chat.objects.filter(visible_chats(org_id, vid, customer_id), state=Chat.ENDED)
    return [
        {
            "id": c.pk,
            "creator": c.creator_id,
            "created_at": c.created_at.strftime(TIME_FORMAT),
            "ended_at": c.ended_at.strftime(TIME_FORMAT) if c.ended_at else "",
            **({"rating": rating_of(c)} if c.rating is not None else {}),
        }
        for c in ended.order_by("-created_at")[:PAST_CHATS]
    ]


def recent_ratings(caller: Caller) -> list[dict]:
    """Ratings of the chats a staff member or bot was ever in, newest first (agent_done and the end take
    them out of `chats`, so without this list a rating given afterwards would never be seen at start-up)."""
    was_in = ChatMember.objects.filter(uid=caller.uid).values_list("chat_id", flat=True)
    rated = Chat.objects.filter(org_id=caller.org_id, pk__in=was_in, rating__isnull=False).order_by("-rated_at")
    return [
        {"chat": {"id": c.pk}, "creator": c.creator_id, "state": c.state, **rating_of(c)}
        for c in rated[:RECENT_RATINGS]
    ]


def rating_of(chat: Chat) -> dict:
    return {"score": chat.rating, "comment": chat.rating_comment, "at": int(chat.rated_at.timestamp())}


def recent_messages(
    chat_ids: list[str], upto: int, *, public_only: bool, limit: int
) -> dict[str, tuple[list[dict], bool]]:
    """The `limit` latest messages (seq <= upto) of each chat, oldest first, and whether older ones exist.

    One UNION ALL branch per chat, each a backward range read of the
    (chat, seq) index that stops after `limit + 1` rows: the extra row only
    says that older messages exist.
    """
    found: dict[str, list[dict]] = {chat_id: [] for chat_id in chat_ids}
    if not chat_ids:
        return {}
    table = Message._meta.db_table
    visible = f" AND visibility = '{Message.PUBLIC}'" if public_only else ""
    branch = (
        f"SELECT * FROM (SELECT * FROM {table} WHERE chat_id = %s AND seq <= %s{visible}"
        f" ORDER BY seq DESC LIMIT {int(limit) + 1}) AS w{{n}}"
    )
    sql = " UNION ALL ".join(branch.format(n=n) for n in range(len(chat_ids)))
    params = [value for chat_id in chat_ids for value in (chat_id, upto)]
    for message in sorted(Message.objects.raw(sql, params), key=lambda m: m.seq):
        found[message.chat_id].append(to_payload(message))
    # A chat with limit + 1 rows has older messages; the oldest row only said so.
    return {chat_id: (msgs[-limit:], len(msgs) > limit) for chat_id, msgs in found.items()}


def chat_history(caller: Caller, chat_id: str, before: int | None, limit: int) -> dict:
    """Older messages of a chat the caller is or was in: the `limit` before `before`, oldest first."""
    member = ChatMember.objects.filter(chat_id=chat_id, chat__org_id=caller.org_id, uid=caller.uid)
    chat = Chat.objects.filter(pk=chat_id, org_id=caller.org_id).first() if member.exists() else None
    if chat is None and not caller.is_staff:  # a verified customer's chat from another device
        customer_id = verified_customer(caller.org_id, caller.uid)
        chat = Chat.objects.filter(visible_chats(caller.org_id, caller.uid, customer_id), pk=chat_id).first()
    if chat is None:
        raise NotFound("chat not found", field="chat")
    upto = current_seq(caller.org_id) if before is None else before - 1
    msgs, has_more = recent_messages([chat_id], upto, public_only=not caller.is_staff, limit=limit)[chat_id]
    about = {"id": chat_id, **({"rating": rating_of(chat)} if chat.rating is not None else {})}
    return {"chat": about, "msgs": msgs, "has_more": has_more}


def waiting_chats(org_id: int) -> list[dict]:
    """The org's queue, longest waiting first (contents are for members only)."""
    waiting = Chat.objects.filter(org_id=org_id, state=Chat.REQUESTED).order_by("waiting_since", "created_at")
    return [
        {
            "id": c.pk,
            "creator": c.creator_id,
            "queue": c.queue,
            "waiting_since": int(c.waiting_since.timestamp()),
            "offline": c.offline,
        }
        for c in waiting
    ]


def chat_row(chat: Chat, msgs: list[dict], has_more: bool = False) -> dict:
    """A chat as seed 004's init returns it (plus `has_more`: older messages exist)."""
    return {
        "id": chat.pk,
        "chat_id": chat.pk,
        "gid": chat.queue,
        "creator": chat.creator_id,
        "staff_id": chat.owner_id or "",
        "user_num": str(chat.user_num),
        "state": chat.state,
        "offline": chat.offline,
        "created_at": chat.created_at.strftime(TIME_FORMAT),
        "ended_at": chat.ended_at.strftime(TIME_FORMAT) if chat.ended_at else "",
        "msgs": msgs,
        "has_more": has_more,
        **({"rating": rating_of(chat)} if chat.rating is not None else {}),
    }
