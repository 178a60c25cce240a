"""The shapes of what is published: stored events (messages) and transient notices.

Every stored event carries its organisation's sequence number (`seq`), which is
the recipient's cursor after it; `payload` is the message object of the brief.
Both travel on one channel-layer group per organisation (`org_group`), which
each push process joins while it has a connection of that organisation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

USER = "user"


@dataclass(frozen=True, slots=True)
class Event:
    org_id: int
    seq: int
    payload: dict
    members: tuple[tuple[str, str], ...]  # (uid, role) of the chat's members when it happened
    internal: bool = False  # staff and bots only
    to_staff: bool = False  # also every staff member of the org (queue changes)

    def recipients(self) -> list[str]:
        """Chat members allowed to see it; org-wide staff delivery is separate."""
        return [uid for uid, role in self.members if not (self.internal and role == USER)]

    def to_item(self) -> dict:
        return {
            "seq": self.seq,
            "payload": self.payload,
            "members": [list(m) for m in self.members],
            "internal": self.internal,
            "to_staff": self.to_staff,
        }

    @classmethod
    def from_item(cls, org_id: int, item: dict) -> Event:
        return cls(
            org_id,
            item["seq"],
            item["payload"],
            tuple(tuple(m) for m in item["members"]),
            item["internal"],
            item["to_staff"],
        )


def events_message(org_id: int, events: list[Event]) -> dict:
    """One channel-layer message for the events of one org (a group commit publishes its batch at once)."""
    return {"type": "horn.events", "org": org_id, "events": [e.to_item() for e in events]}


@dataclass(frozen=True, slots=True)
class Notice:
    """Not stored, not replayed, staff only: a hint that something changed (visitor list, presence)."""

    org_id: int
    kind: str
    data: dict = field(default_factory=dict)

    def to_layer(self) -> dict:
        return {"type": "horn.notice", "org": self.org_id, "kind": self.kind, "data": self.data}


@dataclass(frozen=True, slots=True)
class Transient:
    """Not stored, not replayed: a chat event for its current members (typing).

    `payload` goes to staff and bots, `visitor_payload` (if any) to the
    visitor; the sender's own connections get neither.
    """

    org_id: int
    payload: dict
    visitor_payload: dict | None
    members: tuple[tuple[str, str], ...]
    sender: str

    def to_layer(self) -> dict:
        return {
            "type": "horn.transient",
            "org": self.org_id,
            "payload": self.payload,
            "visitor_payload": self.visitor_payload,
            "members": [list(m) for m in self.members],
            "sender": self.sender,
        }


def org_group(org_id: int) -> str:
    return f"org.{org_id}"
