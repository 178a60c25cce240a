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

from django.db import connection
from django.db.models import F

from .models import OrgSequence


def take_seq(org_id: int, n: int = 1) -> int:
    """Advance the org's sequence by `n` in the current transaction; return the last number taken.

    The counter row stays locked from here to commit, so this is one round trip
    where the database allows it (the lock time bounds an org's event rate).
    """
    table = OrgSequence._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "mysql":
            # LAST_INSERT_ID(expr) hands the new value back with the UPDATE itself.
            cursor.execute(f"UPDATE {table} SET seq = LAST_INSERT_ID(seq + %s) WHERE org_id = %s", [n, org_id])
            if cursor.rowcount:
                return cursor.lastrowid
        elif connection.vendor == "sqlite":
            cursor.execute(f"UPDATE {table} SET seq = seq + %s WHERE org_id = %s RETURNING seq", [n, org_id])
            row = cursor.fetchone()
            if row:
                return row[0]
    # No counter row yet (an org created outside create_organisation): make one.
    OrgSequence.objects.get_or_create(org_id=org_id)
    OrgSequence.objects.filter(org_id=org_id).update(seq=F("seq") + n)
    return OrgSequence.objects.filter(org_id=org_id).values_list("seq", flat=True).get()


def current_seq(org_id: int) -> int:
    """The last committed number (0 before the first event)."""
    return OrgSequence.objects.filter(org_id=org_id).values_list("seq", flat=True).first() or 0
