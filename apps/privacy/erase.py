"""GDPR erasure: what Horn holds about one visitor or customer is deleted or made anonymous.

- Their open chats end first (in the visitor's name, reason "erased"), as a
  ban ends them, so nobody keeps writing into a chat being erased.
- Messages are redacted: in chats they opened, every text, note, file and
  image (whoever sent it: an agent's answer quotes the visitor's order, address...);
  in chats they only joined (a verified customer's other device), their own.
  Redacted text becomes "(erased)", files and images become such a text,
  personal fields of events (a rating's comment, an end reason, the customer
  staff identified) are dropped, and the search index forgets them.
- Files of the chats they opened and files they uploaded are deleted, bytes
  and rows: their links answer 404.
- Page views (URL, referrer, IP, browser) are deleted; the visitor row stays,
  anonymous: no name, fingerprint, customer id, name or e-mail.
- Chats, members, event messages and rating scores stay, so reports still
  count them; bans stay (an abuser must not escape a ban by asking).
- Redis holds no visitor text (typing drafts only pass through the channel
  layer); the keys named after the visitor (push node, state version, upload
  budget, presence) are deleted.
"""

from __future__ import annotations

import hashlib

from django.db import transaction
from django.db.models import Q

from apps.accounts.auth import USER, Caller
from apps.chats.actions.common import payload_hash
from apps.chats.actions.lifecycle import end_chat
from apps.chats.actions.routing import settle
from apps.chats.models import Chat, Message
from apps.core.db import db
from apps.core.errors import ChatEnded, NotMember
from apps.core.redis import get_redis
from apps.files import budget
from apps.realtime import presence
from apps.realtime.events import Event
from apps.realtime.publish import publish, state_version_key
from apps.realtime.pushers import user_addr_key
from apps.visitors.models import Visit, Visitor

from . import audit, subjects
from .models import AuditEntry
from .retention import ANONYMOUS, delete_uploads
from .subjects import Subject

REDACTED = "(erased)"
CONTENT = frozenset({"text", "note", "info", "file", "image"})
# Event fields that may hold what a person typed or who they are.
PERSONAL = frozenset({"comment", "reason", "customer", "customer_id", "text"})
BATCH = 500  # messages rewritten per transaction


async def erase(caller: Caller, subject: Subject) -> dict:
    vids, events = await db(_end_open_chats, caller.org_id, subject)
    await publish(events)
    if events:
        await settle(caller.org_id, events)
    done = await db(_erase, caller, subject, vids)
    await _forget_in_redis(caller.org_id, vids)
    return done


def _end_open_chats(org_id: int, subject: Subject) -> tuple[list[str], list[Event]]:
    vids = [v.vid for v in subjects.visitors(org_id, subject)]  # NotFound before anything changes
    events: list[Event] = []
    for chat_id, creator in (
        Chat.objects.filter(org_id=org_id, creator_id__in=vids)
        .exclude(state=Chat.ENDED)
        .values_list("pk", "creator_id")
    ):
        data = {"type": "end_chat", "chat": {"id": chat_id}, "event": {"reason": "erased"}}
        try:
            events += end_chat(Caller(uid=creator, role=USER, org_id=org_id), data, None, payload_hash(data)).events
        except (ChatEnded, NotMember):  # ended meanwhile, or the visitor had left it
            continue
    return vids, events


def _erase(caller: Caller, subject: Subject, vids: list[str]) -> dict:
    org_id = caller.org_id
    chats = subjects.chats(org_id, vids)
    own = list(chats.filter(creator_id__in=vids).values_list("pk", flat=True))
    joined = list(chats.exclude(creator_id__in=vids).values_list("pk", flat=True))
    scope = Message.objects.filter(Q(chat_id__in=own) | Q(chat_id__in=joined, sender_id__in=vids), org_id=org_id)
    counts = {
        "visitors": len(vids),
        "chats": len(own) + len(joined),
        "messages": _redact_messages(scope, set(vids)),
        # Files of the chats they opened and files they uploaded: the files whose messages were redacted.
        "files": delete_uploads(subjects.uploads(org_id, own, vids)),
    }
    with transaction.atomic():
        counts["page_views"] = Visit.objects.filter(visitor_id__in=vids).delete()[0]
        Chat.objects.filter(pk__in=own).update(rating_comment="")
        Visitor.objects.filter(pk__in=vids).update(**ANONYMOUS, last_visit=None)
        # The audit keeps the visitor ids (random, Horn's own) but never the erased customer id itself.
        target = subject.label if subject.uid is not None else f"customer sha256:{_digest(subject.customer)}"
        audit.record(org_id, actor=caller, action=AuditEntry.ERASE, target=target, details={**counts, "uids": vids})
    return counts


def _redact_messages(scope, vids: set[str]) -> int:
    """Rewrite the messages in `scope`, BATCH at a time in primary-key order; how many changed."""
    changed_total, after = 0, ""
    fields = ("mid", "type", "body", "sender_id", "sender_name", "search_text")
    while True:
        batch = list(scope.filter(pk__gt=after).order_by("pk").only(*fields)[:BATCH])
        if not batch:
            return changed_total
        after = batch[-1].pk
        changed = [m for m in batch if _redact(m, vids)]
        if changed:
            with transaction.atomic():
                # search_text "" takes the message out of the full-text index (InnoDB; FTS5 by trigger).
                Message.objects.bulk_update(changed, ["type", "body", "sender_name", "search_text"])
        changed_total += len(changed)


def _redact(m: Message, vids: set[str]) -> bool:
    before = (m.type, m.body, m.sender_name, m.search_text)
    if m.type in CONTENT:
        if m.type in ("file", "image"):
            m.type = "text"
        m.body = {"text": REDACTED, "erased": True}
    else:
        event = m.body.get("event")
        if isinstance(event, dict) and PERSONAL & event.keys():
            m.body = {**m.body, "event": {k: v for k, v in event.items() if k not in PERSONAL}, "erased": True}
    if m.sender_id in vids:
        m.sender_name = ""
    m.search_text = ""
    return (m.type, m.body, m.sender_name, m.search_text) != before


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:16]


async def _forget_in_redis(org_id: int, vids: list[str]) -> None:
    async with get_redis().pipeline(transaction=False) as pipe:
        for vid in vids:
            pipe.delete(state_version_key(vid), user_addr_key(vid), budget.budget_key(org_id, vid))
            pipe.zrem(presence.key(org_id, USER), vid)
            pipe.zrem(presence.total_key(USER), f"{org_id}:{vid}")
        await pipe.execute()
