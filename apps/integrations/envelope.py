"""Seed 002's event envelope for Horn's events.

{id, version, name, namespace, parentNamespace, timestamp, clientId, userId, traceId,
 sessionId, spanContext, payload: {<name>: {...}}}

- A stored event (every message row: content, lifecycle, notes) has `id` = its mid and
  `version` = its org sequence number, so a consumer that sees it twice can tell.
- Content a member sent to a chat (text, file, image) is seed 002's `personalChatSent`
  (message_id, sender_id, target_id = the chat, payload, target_type, target_members);
  every other event keeps Horn's type as its name, with the pushed message as payload.
- Connection and rate-limit events (`userConnected`, `userDisconnected`,
  `userChatRateLimited`) are not stored: they get a random id, and the relay sets
  `version` to the org's last stored event before them.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import orjson

if TYPE_CHECKING:
    from apps.realtime.events import Event

CONTENT = frozenset({"text", "file", "image"})
STAFF_ROLES = frozenset({"staff", "bot"})


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _frame(
    *,
    id: str,
    version: int,
    name: str,
    namespace: str,
    org_id: int,
    ts: float,
    user_id: str,
    session_id: str,
    trace_id: str,
    body: dict,
) -> dict:
    return {
        "id": id,
        "version": version,
        "name": name,
        "namespace": namespace,
        "parentNamespace": f"horn.org.{org_id}",
        "timestamp": _iso(ts),
        "clientId": str(org_id),
        "userId": user_id,
        "traceId": trace_id,
        "sessionId": session_id,
        "spanContext": "",
        "payload": {name: body},
    }


def for_event(event: Event) -> dict:
    """The envelope of a stored event."""
    message = event.payload
    sender = message.get("from") or {}
    chat_id = (message.get("chat") or {}).get("id") or ""
    ts = (message.get("t") or {}).get("t0") or 0
    kind = message["type"]
    common = {
        "id": message["mid"],
        "version": event.seq,
        "org_id": event.org_id,
        "ts": ts,
        # Seed 002: the operator who caused it (staff or bot), when there is one.
        "user_id": sender.get("id", "") if sender.get("role") in STAFF_ROLES else "",
        "session_id": chat_id,
        "trace_id": message.get("client_msg_id") or "",
    }
    if kind in CONTENT and not event.internal:
        body = {
            "message_id": message["mid"],
            "sender_id": sender.get("id", ""),
            "target_id": chat_id,
            "payload": message["text"] if kind == "text" else orjson.dumps(_content(message)).decode(),
            "target_type": "chat",
            "target_members": [uid for uid, _ in event.members],
            "type": kind,
        }
        return _frame(name="personalChatSent", namespace="horn.chat", body=body, **common)
    return _frame(name=kind, namespace="horn.chat", body={**message, "internal": event.internal}, **common)


ENVELOPE_KEYS = frozenset({"cid", "mid", "from", "chat", "t", "version"})


def _content(message: dict) -> dict:
    """A file or image message's own fields (name, size, url...), without what the envelope already says."""
    return {k: v for k, v in message.items() if k not in ENVELOPE_KEYS}


def for_transient(org_id: int, name: str, body: dict, *, user_id: str, session_id: str = "") -> dict:
    """The envelope of a connection or rate-limit event (the relay fills in `version`)."""
    return _frame(
        id=uuid.uuid4().hex,
        version=0,
        name=name,
        namespace="horn.user",
        org_id=org_id,
        ts=datetime.now(UTC).timestamp(),
        user_id=user_id,
        session_id=session_id,
        trace_id="",
        body=body,
    )
