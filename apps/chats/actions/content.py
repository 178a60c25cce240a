"""text / file / image: a member posts content into an open chat."""

from __future__ import annotations

from apps.accounts.auth import Caller

from .common import Sent, idempotent, lock_chat, require_open_member, store

CONTENT_FIELDS = {"text": "text", "file": "file", "image": "image"}


@idempotent
def post_content(caller: Caller, data: dict, key: str | None, digest: str) -> Sent:
    chat = lock_chat(caller, data["chat"]["id"])
    members = require_open_member(caller, chat)
    field = CONTENT_FIELDS[data["type"]]
    return store(caller, chat, data["type"], {field: data[field]}, key, digest, members=members)
