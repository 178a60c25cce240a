"""Reads for the org admin's pages: the team as the staff page shows it."""

from __future__ import annotations

from .models import Staff

ACTIVE, INVITED, DEACTIVATED = "active", "invited", "deactivated"


def account_state(staff: Staff) -> str:
    """active; invited (no password chosen yet); deactivated."""
    if not staff.user.is_active:
        return DEACTIVATED
    return ACTIVE if staff.user.has_usable_password() else INVITED


def describe(staff: Staff, last_ping: float | None = None) -> dict:
    """One staff member for an admin. `last_seen`: their last sign of life if online now, else their last login."""
    last_login = staff.user.last_login.timestamp() if staff.user.last_login else None
    return {
        "sid": staff.sid,
        "name": staff.name,
        "email": staff.user.email,
        "username": staff.user.username,
        "role": staff.role,
        "account": account_state(staff),
        "status": staff.status,
        "online": last_ping is not None,
        "last_seen": int(last_ping or last_login or 0) or None,
        "max_chats": staff.max_chats,
        "queues": staff.queues,
    }


def team(org_id: int, last_ping: dict[str, float]) -> list[dict]:
    staff = Staff.objects.filter(org_id=org_id).select_related("user").order_by("name", "sid")
    return [describe(s, last_ping.get(s.sid)) for s in staff]
