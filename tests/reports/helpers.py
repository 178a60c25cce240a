"""Building chats for report tests through the real API, and moving them in time.

Reports count chats by when things happened. A test cannot wait for hours, so
after a chat is built through the API (request, join, replies, end, rating)
`move` sets its recorded times as if it had happened then: the only thing the
test changes by hand is the clock, never which facts were recorded.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from apps.accounts import orgs
from apps.accounts.models import Organisation
from apps.chats.models import Chat
from tests.helpers import join, ok, request_chat, send, text, track


def online(client, *staff) -> None:
    """Staff ping: visitors' chats then wait in the queue (not offline chats)."""
    for s in staff:
        ok(client.get("/api/ping", headers=s.auth))


def report(client, who, table: str, **params) -> dict:
    return ok(client.get(f"/api/reports/{table}", params=params, headers=who.auth))


def end(client, who, chat_id: str) -> None:
    body = {"type": "end_chat", "chat": {"id": chat_id}}
    if hasattr(who, "track_id"):
        body["from"] = {"id": who.uid}
    ok(send(client, who, body))


def rate(client, visitor, chat_id: str, score: int) -> None:
    ok(
        send(
            client,
            visitor,
            {"type": "rate", "from": {"id": visitor.uid}, "chat": {"id": chat_id}, "event": {"score": score}},
        )
    )


def answered_chat(client, org_id, agent, *, queue: str = "", replies: int = 1, visitor_lines: int = 1) -> tuple:
    """A chat the agent took and answered; the visitor writes `visitor_lines` times. Returns (visitor, chat id)."""
    visitor = track(client, org_id)
    chat_id = request_chat(client, visitor, queue=queue) if queue else request_chat(client, visitor)
    join(client, agent, chat_id)
    for n in range(replies):
        ok(text(client, agent, chat_id, f"Hello, how can I help? ({n})"))
    for n in range(visitor_lines):
        ok(text(client, visitor, chat_id, f"My order is late ({n})"))
    return visitor, chat_id


def move(
    chat_id: str,
    created: datetime,
    *,
    accepted: int | None = None,
    responded: int | None = None,
    ended: int | None = None,
) -> None:
    """The chat happened at `created`; the other times are seconds after it (None: as recorded, shifted along)."""
    chat = Chat.objects.get(pk=chat_id)
    shift = created - chat.created_at

    def at(recorded, after):
        if recorded is None:
            return None
        return created + timedelta(seconds=after) if after is not None else recorded + shift

    Chat.objects.filter(pk=chat_id).update(
        created_at=created,
        accepted_at=at(chat.accepted_at, accepted),
        first_response_at=at(chat.first_response_at, responded),
        ended_at=at(chat.ended_at, ended),
    )


def set_zone(org, zone: str, business_hours: dict | None = None) -> None:
    Organisation.objects.filter(pk=org.pk).update(timezone=zone, business_hours=business_hours or {})
    orgs.forget_all()
