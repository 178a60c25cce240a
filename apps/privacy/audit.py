"""The privacy audit trail: `record` writes one entry, `page` reads an organisation's entries newest first.

Other modules call `record(...)` for any action an organisation's admins
should be able to account for later (who did what to whose data, when).
"""

from __future__ import annotations

from apps.accounts.auth import Caller

from .models import AuditEntry

SYSTEM = "system"  # the actor of scheduled runs
PAGE_SIZE = 50


def record(
    org_id: int, *, actor: Caller | None, action: str, target: str = "", details: dict | None = None
) -> AuditEntry:
    """Write one audit entry; `actor` None means Horn itself (the scheduled retention run, the command)."""
    return AuditEntry.objects.create(
        org_id=org_id,
        actor_id=actor.uid if actor else SYSTEM,
        actor_name=actor.name if actor else "",
        action=action,
        target=target[:200],
        details=details or {},
    )


def as_dict(entry: AuditEntry) -> dict:
    return {
        "id": entry.pk,
        "at": int(entry.at.timestamp()),
        "actor": {"id": entry.actor_id, "name": entry.actor_name},
        "action": entry.action,
        "target": entry.target,
        "details": entry.details,
    }


def page(org_id: int, number: int) -> tuple[list[AuditEntry], bool]:
    """Page `number` (1 = newest) of the org's entries, and whether an older page exists."""
    start = (number - 1) * PAGE_SIZE
    rows = list(AuditEntry.objects.filter(org_id=org_id).order_by("-id")[start : start + PAGE_SIZE + 1])
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE
