"""text / file / image: members post content into open chats, many posts per transaction.

Every event of an organisation holds the org's sequence row from the moment it
takes its number until commit (see `apps.chats.sequence`), so the time one
transaction holds it bounds the org's message rate. `post_contents` therefore
stores any number of posts of one org in one transaction: one locking read of
their chats, one read of their members, one sequence step, one INSERT, one
commit. `groupcommit` feeds it the posts that arrive while the
previous transaction of that org is running.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from apps.accounts.auth import Caller
from apps.core.errors import ChatEnded, HornError, IdempotencyConflict, NotFound, NotMember
from apps.realtime.events import Event

from ..models import Chat, ChatMember, Message
from ..sequence import take_seq
from .common import Sent, find_replay, to_payload

CONTENT_FIELDS = {"text": "text", "file": "file", "image": "image"}


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
        # Chats in primary-key order, so two batches never wait on each other crosswise.
        ids = sorted({p.chat_id for p in posts})
        chats = {c.pk: c for c in Chat.objects.select_for_update().filter(org_id=org_id, pk__in=ids).order_by("pk")}
        members: dict[str, list[tuple[str, str]]] = defaultdict(list)
        rows = ChatMember.objects.filter(chat_id__in=list(chats), left_at__isnull=True)
        for chat_id, uid, role in rows.order_by("pk").values_list("chat_id", "uid", "role"):
            members[chat_id].append((uid, role))
        replays = _stored_keys(org_id, posts)

        outcomes: list[Sent | HornError | None] = []
        fresh: list[tuple[int, Post, Chat]] = []
        for i, post in enumerate(posts):
            try:
                # A retry of a stored post gets its message, even if the chat has ended since.
                original = replays.get((post.caller.uid, post.key)) if post.key else None
                if original is not None:
                    if original.client_msg_hash != post.digest:
                        raise IdempotencyConflict(field="client_msg_id")
                    outcomes.append(Sent(original, []))
                    continue
                chat = _check(post, chats, members)
            except HornError as error:
                outcomes.append(error)
                continue
            outcomes.append(None)
            fresh.append((i, post, chat))
        if not fresh:
            return outcomes

        # The sequence is taken last: the row stays locked only for the INSERT and the commit.
        last = take_seq(org_id, len(fresh))
        messages = []
        for n, (_, post, chat) in enumerate(fresh):
            field = CONTENT_FIELDS[post.data["type"]]
            caller = post.caller
            messages.append(
                Message(
                    org_id=org_id,
                    seq=last - len(fresh) + 1 + n,
                    chat=chat,
                    type=post.data["type"],
                    sender_id=caller.uid,
                    sender_role=caller.role,
                    sender_name=caller.name,
                    body={field: post.data[field]},
                    client_msg_id=post.key,
                    client_msg_hash=post.digest if post.key else "",
                )
            )
        Message.objects.bulk_create(messages)
        for (i, _, chat), message in zip(fresh, messages, strict=True):
            event = Event(org_id, message.seq, to_payload(message), tuple(members[chat.pk]))
            outcomes[i] = Sent(message, [event])
    return outcomes


def _check(post: Post, chats: dict[str, Chat], members: dict[str, list[tuple[str, str]]]) -> Chat:
    chat = chats.get(post.chat_id)
    if chat is None:
        raise NotFound("chat not found", field="chat.id")
    if chat.state == Chat.ENDED:
        raise ChatEnded(field="chat.id")
    if not any(uid == post.caller.uid for uid, _ in members[chat.pk]):
        raise NotMember(field="chat.id")
    return chat


def _stored_keys(org_id: int, posts: list[Post]) -> dict[tuple[str, str], Message]:
    """Messages already stored under the posts' idempotency keys, by (sender, key)."""
    keys = {p.key for p in posts if p.key}
    if not keys:
        return {}
    senders = {p.caller.uid for p in posts if p.key}
    found = Message.objects.filter(org_id=org_id, sender_id__in=senders, client_msg_id__in=keys)
    return {(m.sender_id, m.client_msg_id): m for m in found}
