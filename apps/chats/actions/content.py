"""text / file / image / note / info: members post content into open chats, many posts per transaction.

Every event of an organisation holds the org's sequence row from the moment it
takes its number until commit (see `apps.chats.sequence`), so the time one
transaction holds it bounds the org's message rate. `post_contents` therefore
stores any number of posts of one org in one transaction: one locking read of
their chats, one read of their members, one sequence step, one INSERT, one
commit. `groupcommit` feeds it the posts that arrive while the
previous transaction of that org is running.
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from apps.accounts.auth import STAFF, USER, Caller
from apps.core.errors import ChatEnded, Forbidden, HornError, IdempotencyConflict, NotFound, NotMember
from apps.realtime.events import Event

from ..models import Chat, ChatMember, Message
from ..report_facts import COUNTED_TYPES, mark_first_responses
from ..searchtext import index_text, message_text
from ..sequence import take_seq
from .common import Sent, find_replay, first_in_line, to_payload

CONTENT_FIELDS = {"text": "text", "file": "file", "image": "image", "note": "text", "info": "text"}
INTERNAL = {"note"}  # staff and bots only: never pushed, replayed or shown to a visitor


@dataclass(frozen=True, slots=True)
class Post:
    """One validated content send, waiting to be stored."""

    caller: Caller
    data: dict
    key: str | None  # idempotency key
    digest: str  # hash of the payload the key stands for

    @property
    def chat_id(self) -> str:
        return self.data["chat"]["id"]


def post_content(caller: Caller, data: dict, key: str | None, digest: str) -> Sent:
    """One post on its own (the same rules as a batch of one)."""
    post = Post(caller, data, key, digest)
    try:
        result = post_contents(caller.org_id, [post])[0]
    except IntegrityError:
        # A parallel send with the same key committed first: answer with its message.
        original = find_replay(caller, key, digest) if key else None
        if original is None:
            raise
        return Sent(original, [])
    if isinstance(result, HornError):
        raise result
    return result


def post_contents(org_id: int, posts: list[Post]) -> list[Sent | HornError]:
    """Store the posts of one organisation in one transaction; one outcome per post, in order.

    A post that breaks a rule (unknown chat, ended chat, not a member,
    idempotency conflict) gets its error and the others go on; a post whose key
    was already used gets the stored message and no event. An IntegrityError
    (another process committed one of the keys meanwhile) rolls everything back
    and is left to the caller.
    """
    with transaction.atomic():
        chats = _lock_chats(org_id, {p.chat_id for p in posts})
        replays = _stored_keys(org_id, posts)

        outcomes: list[Sent | HornError | None] = []
        fresh: list[tuple[int, Post]] = []
        for i, post in enumerate(posts):
            try:
                # A retry of a stored post gets its message, even if the chat has ended since.
                original = replays.get((post.caller.uid, post.key)) if post.key else None
                if original is not None:
                    if original.client_msg_hash != post.digest:
                        raise IdempotencyConflict(field="client_msg_id")
                    outcomes.append(Sent(original, []))
                    continue
                _check(post, chats)
            except HornError as error:
                outcomes.append(error)
                continue
            outcomes.append(None)
            fresh.append((i, post))
        if not fresh:
            return outcomes

        now = timezone.now()
        rows: list[tuple[int, Message, bool]] = []  # (index of the post, message, also to all staff)
        requeued = _requeue(org_id, fresh, chats, now)
        _visitor_back(fresh, chats)
        _first_responses(fresh, chats, now)
        for i, post in fresh:
            if post.chat_id in requeued and requeued.pop(post.chat_id):
                # The chat is back in the queue: every staff member is told, before the message itself.
                body = {"event": {"chat": {"id": post.chat_id}, "uids": [post.caller.uid], "requeued": True}}
                rows.append((i, _message(org_id, post, "request_chat", body, now), True))
            rows.append((i, _message(org_id, post, post.data["type"], content_body(post.data), now), False))

        # The sequence is taken last: the row stays locked only for the INSERT and the commit.
        last = take_seq(org_id, len(rows))
        for n, (_, message, _) in enumerate(rows):
            message.seq = last - len(rows) + 1 + n
        _insert([message for _, message, _ in rows])
        events: dict[int, list[Event]] = {}
        for i, message, to_staff in rows:
            internal = message.visibility == Message.INTERNAL
            members = chats[message.chat_id][1]
            event = Event(org_id, message.seq, to_payload(message), members, internal=internal, to_staff=to_staff)
            events.setdefault(i, []).append(event)
            outcomes[i] = Sent(message, events[i])  # the post's own message is the last of its rows
    return outcomes


def check_content(caller: Caller, data: dict) -> None:
    """Quick-reply buttons are offered by staff and bots; a visitor answers with one's payload."""
    if "quick_replies" in data and caller.role == USER:
        raise Forbidden("only staff and bots offer quick replies", field="quick_replies")
    if "quick_reply_payload" in data and caller.role != USER:
        raise Forbidden("quick_reply_payload is a visitor's answer", field="quick_reply_payload")


def content_body(data: dict) -> dict:
    """The stored, type-specific part of a content message."""
    field = CONTENT_FIELDS[data["type"]]
    body = {field: data[field]}
    for extra in ("quick_replies", "quick_reply_payload"):
        if extra in data:
            body[extra] = data[extra]
    return body


def _message(org_id: int, post: Post, type_: str, body: dict, now) -> Message:
    return Message(
        org_id=org_id,
        seq=0,  # numbered once the batch is complete
        chat_id=post.chat_id,
        type=type_,
        sender_id=post.caller.uid,
        sender_role=post.caller.role,
        sender_name=post.caller.name,
        body=body,
        visibility=Message.INTERNAL if type_ in INTERNAL else Message.PUBLIC,
        client_msg_id=post.key if type_ == post.data["type"] else None,
        client_msg_hash=post.digest if post.key and type_ == post.data["type"] else "",
        created_at=now,
    )


def _requeue(org_id: int, fresh: list[tuple[int, Post]], chats: dict, now) -> dict[str, bool]:
    """Chats no agent holds (agent_done) that their visitor writes into go first in line again (seed 003)."""
    back = {
        post.chat_id: True
        for _, post in fresh
        if post.caller.role == USER and chats[post.chat_id][0] == Chat.AGENT_DONE
    }
    if back:
        first = first_in_line(org_id, now)
        # A live wait, unless routing finds nobody can take it (it then marks it offline again).
        Chat.objects.filter(pk__in=list(back)).update(
            state=Chat.REQUESTED, waiting_since=first, owner=None, offline=False
        )
    return back


def _visitor_back(fresh: list[tuple[int, Post]], chats: dict) -> None:
    """A visitor who closed the chat window (client_left) and writes again is back."""
    back = {post.chat_id for _, post in fresh if post.caller.role == USER and chats[post.chat_id][2]}
    if back:
        Chat.objects.filter(pk__in=list(back)).update(visitor_left_at=None)


def _first_responses(fresh: list[tuple[int, Post]], chats: dict, now) -> None:
    """Staff write into a chat they had not yet answered: its first response time (reports); once per chat."""
    first = {
        post.chat_id
        for _, post in fresh
        if post.caller.role == STAFF and post.data["type"] in COUNTED_TYPES and not chats[post.chat_id][3]
    }
    if first:
        mark_first_responses(first, now)


# The two statements below are the hot path of every message, in SQL rather
# than through the ORM: building these queries cost more CPU than running them.
_CHAT, _MEMBER, _MESSAGE = Chat._meta.db_table, ChatMember._meta.db_table, Message._meta.db_table
_COLUMNS = [
    "mid",
    "org_id",
    "seq",
    "chat_id",
    "type",
    "sender_id",
    "sender_role",
    "sender_name",
    "body",
    "visibility",
    "to_staff",
    "client_msg_id",
    "client_msg_hash",
    "created_at",
    "search_text",
]


def _lock_chats(org_id: int, ids: set[str]) -> dict[str, tuple[str, tuple[tuple[str, str], ...], bool, bool]]:
    """Lock the org's chats among `ids`; by chat id: their state, current members, whether the visitor left
    and whether staff have answered yet.

    Rows are read (and locked) in primary-key order, so two batches never wait
    on each other crosswise; membership rows are locked with them, which only
    serialises with joins and leaves of the same chats (they lock the chat too).
    """
    marks = ", ".join(["%s"] * len(ids))
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    sql = (
        f"SELECT c.id, c.state, c.visitor_left_at IS NOT NULL, c.first_response_at IS NOT NULL, m.uid, m.role"
        f" FROM {_CHAT} c"
        f" LEFT JOIN {_MEMBER} m ON m.chat_id = c.id AND m.left_at IS NULL"
        f" WHERE c.org_id = %s AND c.id IN ({marks}) ORDER BY c.id, m.id{lock}"
    )
    rows: dict[str, tuple[str, list[tuple[str, str]], bool, bool]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [org_id, *sorted(ids)])
        for chat_id, state, left, answered, uid, role in cursor.fetchall():
            members = rows.setdefault(chat_id, (state, [], bool(left), bool(answered)))[1]
            if uid is not None:
                members.append((uid, role))
    return {chat_id: (state, tuple(members), *flags) for chat_id, (state, members, *flags) in rows.items()}


def _insert(messages: list[Message]) -> None:
    """One multi-row INSERT (the driver folds executemany into one statement)."""
    ops = connection.ops
    sql = f"INSERT INTO {_MESSAGE} ({', '.join(_COLUMNS)}) VALUES ({', '.join(['%s'] * len(_COLUMNS))})"
    rows = [
        (
            m.mid,
            m.org_id,
            m.seq,
            m.chat_id,
            m.type,
            m.sender_id,
            m.sender_role,
            m.sender_name,
            orjson.dumps(m.body).decode(),
            m.visibility,
            m.to_staff,
            m.client_msg_id,
            m.client_msg_hash,
            ops.adapt_datetimefield_value(m.created_at),
            index_text(message_text(m.type, m.body)),  # the search index's text (apps/chats/searchtext.py)
        )
        for m in messages
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _check(post: Post, chats: dict[str, tuple[str, tuple[tuple[str, str], ...], bool, bool]]) -> None:
    chat = chats.get(post.chat_id)
    if chat is None:
        raise NotFound("chat not found", field="chat.id")
    state, members = chat[0], chat[1]
    if state == Chat.ENDED:
        raise ChatEnded(field="chat.id")
    if not any(uid == post.caller.uid for uid, _ in members):
        raise NotMember(field="chat.id")


def _stored_keys(org_id: int, posts: list[Post]) -> dict[tuple[str, str], Message]:
    """Messages already stored under the posts' idempotency keys, by (sender, key)."""
    keys = {p.key for p in posts if p.key}
    if not keys:
        return {}
    senders = {p.caller.uid for p in posts if p.key}
    found = Message.objects.filter(org_id=org_id, sender_id__in=senders, client_msg_id__in=keys)
    return {(m.sender_id, m.client_msg_id): m for m in found}
