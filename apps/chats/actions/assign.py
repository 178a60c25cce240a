"""Automatic assignment: a new chat goes to the available staff member with the most free capacity.

Available means connected or pinging now (presence, passed in as candidates)
and with status `online`. Free capacity is `max_chats` minus the active chats
they own. The candidates' rows are locked (in sid order) before their chats are
counted, so two assignments at once count each other's chats: Django runs
MySQL at READ COMMITTED, so the count after the lock sees every committed
assignment, and nobody ever goes past `max_chats`.
"""

from __future__ import annotations

from collections import Counter

from apps.accounts.auth import STAFF, Caller
from apps.accounts.models import Staff

from ..models import Chat


def pick_assignee(org_id: int, candidates: list[str]) -> Caller | None:
    staff = list(
        Staff.objects.select_for_update()
        .filter(org_id=org_id, sid__in=sorted(candidates), status=Staff.ONLINE)
        .order_by("sid")
        .values_list("sid", "name", "max_chats")
    )
    if not staff:
        return None
    owned = Counter(
        Chat.objects.filter(owner_id__in=[sid for sid, _, _ in staff], state=Chat.ACTIVE).values_list(
            "owner_id", flat=True
        )
    )
    free = [(max_chats - owned[sid], sid, name) for sid, name, max_chats in staff if max_chats > owned[sid]]
    if not free:
        return None
    _, sid, name = min(free, key=lambda f: (-f[0], f[1]))  # most free capacity; ties by sid
    return Caller(uid=sid, role=STAFF, org_id=org_id, name=name)
