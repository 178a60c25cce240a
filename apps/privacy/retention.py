"""Retention: an organisation keeps chats and page views for N days; a run deletes what is older.

What "older than N days" means (cutoff = now - N days):
- a chat is old when it has ENDED and ended before the cutoff (measured from
  its end: a long conversation that ended yesterday is kept whole). A chat that is
  still open (requested, active, agent_done) is never touched, however old
  its first messages are: its log is what the visitor and staff are reading.
  An old chat goes with all its messages, members and files (the stored
  bytes too).
- a page view (Visit) is old when it was recorded before the cutoff.
- a visitor last seen before the cutoff who has no chat left is made
  anonymous (name, fingerprint and customer fields cleared); the row stays,
  so the id the widget stored keeps working.

A run deletes in small batches, each its own short transaction: it reads a
batch of keys with a plain (non-locking) SELECT, then deletes exactly those
rows by primary key, so it locks only rows nobody is writing (ended chats,
old page views) and never holds a lock across batches. Between batches it
pauses, to leave the database to live traffic.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from apps.accounts.auth import Caller
from apps.chats.models import Chat, ChatMember, Message
from apps.files.actions import upload_storage
from apps.files.models import Upload
from apps.visitors.models import Visit, Visitor

from . import audit
from .errors import RetentionOutOfRange
from .models import MAX_DAYS, MIN_DAYS, AuditEntry, RetentionPolicy

log = logging.getLogger("horn.retention")

# What an anonymous visitor row keeps: its random id and its times (erasure clears the same fields).
ANONYMOUS = {
    "name": "",
    "fp": "",
    "customer_id": "",
    "customer_verified": False,
    "customer_name": "",
    "customer_email": "",
}


@dataclass
class Deleted:
    chats: int = 0
    messages: int = 0
    files: int = 0
    visits: int = 0
    visitors: int = 0  # anonymised

    def __bool__(self) -> bool:
        return any(asdict(self).values())


def get_days(org_id: int) -> int | None:
    return RetentionPolicy.objects.filter(org_id=org_id).values_list("days", flat=True).first()


def set_days(caller: Caller, days: int | None) -> int | None:
    """An admin sets the org's retention (None: keep everything); audited with the old value."""
    if days is not None and not MIN_DAYS <= days <= MAX_DAYS:
        raise RetentionOutOfRange(field="days")
    with transaction.atomic():
        old = RetentionPolicy.objects.select_for_update().filter(org_id=caller.org_id).first()
        before = old.days if old else None
        RetentionPolicy.objects.update_or_create(org_id=caller.org_id, defaults={"days": days})
        audit.record(caller.org_id, actor=caller, action=AuditEntry.RETENTION_SET, details={"from": before, "to": days})
    return days


def run_all(
    *, org_id: int | None = None, batch: int | None = None, now: datetime | None = None, stop: Callable[[], bool] = bool
) -> dict[int, Deleted]:
    """One retention run over every org with a policy (or one org): what was deleted, per org.

    `stop()` is asked between batches (the scheduler's lock was lost, the process is stopping).
    """
    policies = RetentionPolicy.objects.filter(days__isnull=False)
    if org_id is not None:
        policies = policies.filter(org_id=org_id)
    out: dict[int, Deleted] = {}
    for org, days in list(policies.order_by("org_id").values_list("org_id", "days")):
        cutoff = (now or timezone.now()) - timedelta(days=days)
        deleted = run_org(org, cutoff, batch=batch or settings.HORN_RETENTION_BATCH, stop=stop)
        out[org] = deleted
        if deleted:
            details = {"days": days, "cutoff": int(cutoff.timestamp()), **asdict(deleted)}
            audit.record(org, actor=None, action=AuditEntry.RETENTION_RUN, details=details)
            log.info("retention for org %d: %s", org, details)
    return out


def run_org(org_id: int, cutoff: datetime, *, batch: int, stop: Callable[[], bool] = bool) -> Deleted:
    deleted = Deleted()
    # A chat ends after it starts, so an old one also started before the cutoff: the (org, created_at)
    # index then reads only chats that started before it, not every ended chat of the org, each batch.
    old_chats = Chat.objects.filter(
        org_id=org_id, created_at__lt=cutoff, state=Chat.ENDED, ended_at__lt=cutoff
    ).order_by("created_at", "pk")
    while not stop():
        chat_ids = list(old_chats.values_list("pk", flat=True)[:batch])
        if not chat_ids:
            break
        _delete_chats(chat_ids, batch, deleted, stop)
    old_visits = Visit.objects.filter(org_id=org_id, created_at__lt=cutoff).order_by("pk")
    while not stop():
        started = time.monotonic()
        # Track ids start with their time (apps.core.ids), so the oldest come first in pk order.
        tids = list(old_visits.values_list("pk", flat=True)[:batch])
        if not tids:
            break
        with transaction.atomic():
            deleted.visits += Visit.objects.filter(pk__in=tids).delete()[1].get(Visit._meta.label, 0)
        _rest(started)
    # Not seen since the cutoff and no chat left: nothing is kept that needs to know who they were.
    # The row stays (the widget's stored id keeps working), anonymous.
    forgotten = (
        Visitor.objects.filter(org_id=org_id, last_seen_at__lt=cutoff)
        .exclude(Exists(Chat.objects.filter(creator_id=OuterRef("pk"))))
        .filter(~Q(name="") | ~Q(fp="") | ~Q(customer_id="") | ~Q(customer_name="") | ~Q(customer_email=""))
    )
    after = ""
    while not stop():
        started = time.monotonic()
        # From where the last batch ended: the rows before it are anonymous or were left alone.
        vids = list(forgotten.filter(pk__gt=after).order_by("pk").values_list("pk", flat=True)[:batch])
        if not vids:
            break
        after = vids[-1]
        # The conditions again: a visitor who came back (or opened a chat) since the SELECT is left alone.
        deleted.visitors += forgotten.filter(pk__in=vids).update(**ANONYMOUS)
        _rest(started)
    return deleted


def _delete_chats(chat_ids: list[str], batch: int, deleted: Deleted, stop: Callable[[], bool]) -> None:
    """The messages first, `batch` at a time; then files, members and the chat rows themselves."""
    messages = Message.objects.filter(chat_id__in=chat_ids)
    while not stop():
        started = time.monotonic()
        mids = list(messages.values_list("pk", flat=True)[:batch])
        if not mids:
            break
        deleted.messages += Message.objects.filter(pk__in=mids).delete()[0]
        _rest(started)
    if stop():
        return
    started = time.monotonic()
    deleted.files += delete_uploads(Upload.objects.filter(chat_id__in=chat_ids))
    with transaction.atomic():
        ChatMember.objects.filter(chat_id__in=chat_ids).delete()
        # A message stored meanwhile (a late rating) goes with its chat.
        counts = Chat.objects.filter(pk__in=chat_ids, state=Chat.ENDED).delete()[1]
    deleted.chats += counts.get(Chat._meta.label, 0)
    deleted.messages += counts.get(Message._meta.label, 0)
    _rest(started)


def delete_uploads(uploads) -> int:
    """Delete uploads: the stored bytes first, then the row (a row without bytes serves a 404; bytes without
    a row would be unreachable and never cleaned up)."""
    rows = list(uploads.values_list("pk", "storage_name"))
    storage = upload_storage()
    for _, name in rows:
        storage.delete(name)
    return Upload.objects.filter(pk__in=[pk for pk, _ in rows]).delete()[0]


def _rest(started: float) -> None:
    """Rest after a batch: HORN_RETENTION_REST times as long as it took, at least HORN_RETENTION_PAUSE_MS.

    Proportional, so a run backs off by itself when the database is busy (its batches take longer)
    and never holds more than 1 / (1 + HORN_RETENTION_REST) of the database's time. (A run flat out, a
    fixed 20 ms rest, raised live chats' p99 9x at 100 msg/s: docs/benchmark.md.)
    """
    took = time.monotonic() - started
    time.sleep(max(settings.HORN_RETENTION_PAUSE_MS / 1000, settings.HORN_RETENTION_REST * took))
