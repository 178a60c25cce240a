"""What the chat row records for reports (apps/reports), in one place: which messages count.

The facts themselves are written by the actions that make them true (join,
assignment, transfer, the first staff reply, end_chat); see the fields'
comments on `Chat`.
"""

from __future__ import annotations

from datetime import datetime

from .models import Chat, Message

# The conversation itself: what both sides wrote. Notes (internal), info lines and events are not messages.
COUNTED_TYPES = ("text", "file", "image")


def counted_messages(chat_id: str) -> int:
    """The chat's text, file and image messages (one index range: messages by chat)."""
    return Message.objects.filter(chat_id=chat_id, type__in=COUNTED_TYPES).count()


def mark_first_responses(chat_ids: set[str], now: datetime) -> None:
    """Staff answered these chats for the first time: the time counts as their first response."""
    Chat.objects.filter(pk__in=sorted(chat_ids), first_response_at__isnull=True).update(first_response_at=now)
