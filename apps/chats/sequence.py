"""The per-organisation event sequence: the order every recipient sees events in.

xids and auto-increment ids do not sort in commit order across processes, so a
cursor built on them loses events. Instead every transaction that stores events
advances its organisation's counter as its *last* write before inserting the
rows that carry the numbers. The counter row stays locked until commit, so
within an organisation the numbers are gapless and commit in increasing order:
once seq N is visible, every seq below N is too. That makes "everything after
N" a complete, replayable answer.
"""

from __future__ import annotations

from django.db.models import F

from .models import OrgSequence


def take_seq(org_id: int, n: int = 1) -> int:
    """Advance the org's sequence by `n` in the current transaction; return the last number taken."""
    if not OrgSequence.objects.filter(org_id=org_id).update(seq=F("seq") + n):
        OrgSequence.objects.get_or_create(org_id=org_id)
        OrgSequence.objects.filter(org_id=org_id).update(seq=F("seq") + n)
    return OrgSequence.objects.filter(org_id=org_id).values_list("seq", flat=True).get()


def current_seq(org_id: int) -> int:
    """The last committed number (0 before the first event)."""
    return OrgSequence.objects.filter(org_id=org_id).values_list("seq", flat=True).first() or 0
