"""The shapes of what is published: stored events (messages) and transient notices.

Every stored event carries its organisation's sequence number (`seq`), which is
the recipient's cursor after it; `payload` is the message object of the brief.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Event:
    org_id: int
    seq: int
    payload: dict
    members: tuple[tuple[str, str], ...]  # (uid, role) of the chat's current members
    internal: bool = False  # staff and bots only
    to_staff: bool = False  # also every staff member of the org (queue changes)

    def recipients(self) -> list[str]:
        """Chat members allowed to see it; org-wide staff delivery is separate."""
        return [uid for uid, role in self.members if not (self.internal and role == "user")]


@dataclass(frozen=True, slots=True)
class Notice:
    """Not stored, not replayed: a hint that something changed (e.g. the visitor list)."""

    org_id: int
    kind: str
    data: dict = field(default_factory=dict)


def staff_group(org_id: int) -> str:
    return f"o.{org_id}.staff"


def user_group(uid: str) -> str:
    return f"u.{uid}"
