"""What every message-writing action shares: idempotency, storing with a sequence number, payloads."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import orjson
from django.db import IntegrityError, transaction
from django.db.models import Min
from django.utils import timezone

from apps.accounts.auth import BOT, Caller
from apps.core.errors import ChatEnded, IdempotencyConflict, NotFound, NotMember
from apps.realtime.events import Event

from ..models import Chat, ChatMember, Message
from ..sequence import take_seq


@dataclass(frozen=True, slots=True)
class Sent:
    """The outcome of a send: the stored message and the events to publish (none on a replay).

    A transient send (typing) stores nothing: `message` is None.
    """

    message: Message | None
    events: list[Event]
    # More fields for the sender's answer; a "chat" entry adds to the answer's `chat`.
    extra: dict = field(default_factory=dict)

    def reply(self, chat_id: str) -> dict:
        """The fields of a successful answer: the stored message's mid (empty when nothing is stored)."""
        if self.message is None:
            out = {"mid": "", "chat": {"id": chat_id}}
        else:
            out = {"mid": self.message.mid, "chat": {"id": self.message.chat_id}}
        for name, value in self.extra.items():
            out[name] = {**out["chat"], **value} if name == "chat" else value
        return out


def payload_hash(data: dict) -> str:
    return hashlib.sha256(orjson.dumps(data, option=orjson.OPT_SORT_KEYS)).hexdigest()


def find_replay(caller: Caller, key: str | None, digest: str) -> Message | None:
    """The message an earlier send with this key stored, if any; a different payload is refused."""
    if key is None:
        return None
    original = Message.objects.filter(org_id=caller.org_id, sender_id=caller.uid, client_msg_id=key).first()
    if original is not None and original.client_msg_hash != digest:
        raise IdempotencyConflict(field="client_msg_id")
    return original


def idempotent(write):
    """Run `write(caller, data, key, digest)` in one transaction, at most once per key.

    Two parallel sends with the same key both pass `find_replay`; the unique
    index lets one commit and the other fail, and the loser returns the winner's
    message.
    """

    def run(caller: Caller, data: dict, key: str | None, digest: str, **extra) -> Sent:
        try:
            with transaction.atomic():
                original = find_replay(caller, key, digest)
                if original is not None:
                    return Sent(original, [])
                return write(caller, data, key, digest, **extra)
        except IntegrityError:
            original = find_replay(caller, key, digest) if key else None
            if original is None:
                raise
            return Sent(original, [])

    return run


def lock_chat(caller: Caller, chat_id: str) -> Chat:
    """The caller's org's chat, row-locked. Lock order everywhere: chat, then the org sequence."""
    chat = Chat.objects.select_for_update().filter(pk=chat_id, org_id=caller.org_id).first()
    if chat is None:
        raise NotFound("chat not found", field="chat.id")
    return chat


def lock_as_member(caller: Caller, data: dict) -> tuple[Chat, tuple[tuple[str, str], ...]]:
    """The chat the message names, row-locked, and its current members: the caller must be one, it must be open."""
    chat = lock_chat(caller, data["chat"]["id"])
    return chat, require_open_member(caller, chat)


def require_open_member(caller: Caller, chat: Chat) -> tuple[tuple[str, str], ...]:
    """The chat's current members, if the caller is one of them and the chat is open."""
    if chat.state == Chat.ENDED:
        raise ChatEnded(field="chat.id")
    members = current_members(chat)
    if not any(uid == caller.uid for uid, _ in members):
        raise NotMember(field="chat.id")
    return members


def current_members(chat: Chat) -> tuple[tuple[str, str], ...]:
    return tuple(ChatMember.objects.filter(chat=chat, left_at__isnull=True).values_list("uid", "role"))


def bots_step_out(chat: Chat, members: tuple[tuple[str, str], ...]) -> None:
    """A person takes a waiting chat: bots that kept the visitor company leave (the join event tells them)."""
    bots = [uid for uid, role in members if role == BOT]
    if bots:
        ChatMember.objects.filter(chat=chat, uid__in=bots, left_at__isnull=True).update(left_at=timezone.now())


def store(
    caller: Caller,
    chat: Chat,
    type_: str,
    body: dict,
    key: str | None,
    digest: str,
    *,
    internal: bool = False,
    to_staff: bool = False,
    members: tuple[tuple[str, str], ...] | None = None,
) -> Sent:
    """Insert one message as the transaction's last writes (the sequence is taken here)."""
    if members is None:
        members = current_members(chat)
    seq = take_seq(caller.org_id)
    message = Message.objects.create(
        org_id=caller.org_id,
        seq=seq,
        chat=chat,
        type=type_,
        sender_id=caller.uid,
        sender_role=caller.role,
        sender_name=caller.name,
        body=body,
        visibility=Message.INTERNAL if internal else Message.PUBLIC,
        to_staff=to_staff,
        client_msg_id=key,
        client_msg_hash=digest if key else "",
    )
    event = Event(caller.org_id, seq, to_payload(message), members, internal=internal, to_staff=to_staff)
    return Sent(message, [event])


def to_payload(message: Message) -> dict:
    """The message object of the brief (seed 004 消息格式), as pushed and returned by init."""
    return {
        "cid": message.org_id,
        "mid": message.mid,
        "type": message.type,
        "from": {"id": message.sender_id, "name": message.sender_name, "role": message.sender_role},
        "chat": {"id": message.chat_id},
        "t": {"t0": int(message.created_at.timestamp())},
        "version": str(message.seq),
        **message.body,
    }


def taken_by(chat: Chat, sid: str, now: datetime) -> dict:
    """The fields that record who took a chat first (reports): nothing once the chat was taken."""
    return {} if chat.accepted_at is not None else {"accepted_at": now, "agent_id": sid}


def first_in_line(org_id: int, now: datetime) -> datetime:
    """A `waiting_since` that puts a chat ahead of every chat now waiting in the org (queues are FIFO by it)."""
    front = Chat.objects.filter(org_id=org_id, state=Chat.REQUESTED).aggregate(first=Min("waiting_since"))["first"]
    return min(now, front - timedelta(milliseconds=1)) if front else now
