"""GDPR export: everything Horn holds about one visitor or customer, as one JSON document.

The document (format "horn.privacy.export/1", docs/privacy.md) holds the
visitor rows, their page views, their chats with every message (internal
notes included: the admin decides what to hand over), the files of those
chats with links, ratings and bans. Reading it is audited.
"""

from __future__ import annotations

from django.utils import timezone

from apps.accounts.auth import Caller
from apps.accounts.models import Organisation
from apps.chats.models import Message
from apps.guard.models import Ban

from . import audit, subjects
from .models import AuditEntry
from .subjects import Subject

FORMAT = "horn.privacy.export/1"


def _ts(value) -> int | None:
    return int(value.timestamp()) if value else None


def export(caller: Caller, subject: Subject) -> dict:
    org_id = caller.org_id
    people = subjects.visitors(org_id, subject)
    vids = [v.vid for v in people]
    chats = list(subjects.chats(org_id, vids).prefetch_related("members"))
    chat_ids = [c.pk for c in chats]
    messages: dict[str, list[dict]] = {c: [] for c in chat_ids}
    for m in Message.objects.filter(chat_id__in=chat_ids).order_by("seq"):
        messages[m.chat_id].append(_message(m))
    document = {
        "format": FORMAT,
        "exported_at": int(timezone.now().timestamp()),
        "organisation": {"id": org_id, "name": Organisation.objects.get(pk=org_id).name},
        "subject": {"uid": subject.uid} if subject.uid is not None else {"customer": subject.customer},
        "visitors": [_visitor(v) for v in people],
        "chats": [_chat(c, messages[c.pk]) for c in chats],
        "files": [_file(u) for u in subjects.uploads(org_id, chat_ids, vids)],
        "bans": [_ban(b) for b in Ban.objects.filter(org_id=org_id, visitor_id__in=vids).order_by("created_at")],
    }
    counts = {"visitors": len(people), "chats": len(chats), "messages": sum(map(len, messages.values()))}
    audit.record(org_id, actor=caller, action=AuditEntry.EXPORT, target=subject.label, details=counts)
    return document


def _visitor(v) -> dict:
    return {
        "uid": v.vid,
        "name": v.name,
        "fingerprint": v.fp,
        "customer": {
            "id": v.customer_id,
            "verified": v.customer_verified,
            "name": v.customer_name,
            "email": v.customer_email,
        },
        "first_seen": _ts(v.created_at),
        "last_seen": _ts(v.last_seen_at),
        "page_views": [
            {
                "track_id": p.tid,
                "url": p.url,
                "title": p.title,
                "referer": p.referer,
                "os": p.os,
                "browser": p.browser,
                "ip": p.ip,
                "at": _ts(p.created_at),
            }
            for p in v.visits.order_by("created_at", "tid")
        ],
    }


def _chat(c, messages: list[dict]) -> dict:
    rating = None
    if c.rating is not None:
        rating = {"score": c.rating, "comment": c.rating_comment, "at": _ts(c.rated_at)}
    return {
        "id": c.pk,
        "creator": c.creator_id,
        "state": c.state,
        "queue": c.queue,
        "created_at": _ts(c.created_at),
        "ended_at": _ts(c.ended_at),
        "rating": rating,
        "members": [
            {"uid": m.uid, "role": m.role, "joined_at": _ts(m.joined_at), "left_at": _ts(m.left_at)}
            for m in sorted(c.members.all(), key=lambda m: (m.joined_at, m.uid))
        ],
        "messages": messages,
    }


def _message(m: Message) -> dict:
    return {
        "mid": m.mid,
        "version": str(m.seq),
        "type": m.type,
        "from": {"id": m.sender_id, "role": m.sender_role, "name": m.sender_name},
        "visibility": m.visibility,
        "at": _ts(m.created_at),
        **m.body,
    }


def _file(u) -> dict:
    return {**u.as_dict(), "chat": u.chat_id, "uploader": u.uploader_id, "created_at": _ts(u.created_at)}


def _ban(b: Ban) -> dict:
    return {
        "id": b.pk,
        "uid": b.visitor_id,
        "ip": b.network,
        "reason": b.reason,
        "by": b.created_by,
        "at": _ts(b.created_at),
        "until": _ts(b.until),
        "lifted_at": _ts(b.lifted_at),
    }
