"""A visitor's whole story told through the real API (page views, a chat, text, a note, a file, a rating),
and the privacy API's calls."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from tests.files.helpers import path_of, upload
from tests.helpers import VisitorUser, join, ok, request_chat, send, text, track

PDF = b"%PDF-1.7\n" + b"0" * 3000
CUSTOMER = {"id": "cust-7", "name": "Ann Example", "email": "ann@example.com"}


@dataclass
class Story:
    visitor: VisitorUser
    chat_id: str
    file_src: str


def tell_story(client: httpx.Client, org_id: int, staff, **track_extra) -> Story:
    """Ann visits two pages, chats with `staff` about her address, sends a file, is rated... and the chat ends."""
    visitor = track(client, org_id, customer=CUSTOMER, browser="Firefox 140", os="Linux", **track_extra)
    ok(client.post("/api/user/track", json={"cid": org_id, "uid": visitor.uid, "url": "https://shop.example/cart",
                                            "title": "Cart"}, headers=visitor.auth))  # fmt: skip
    chat_id = request_chat(client, visitor)
    join(client, staff, chat_id)
    ok(text(client, visitor, chat_id, "Please ship to 12 Elmstreet, Springfield"))
    ok(text(client, staff, chat_id, "Thanks Ann, shipping to Elmstreet today"))
    ok(send(client, staff, {"type": "note", "chat": {"id": chat_id}, "text": "Ann is a regular at Elmstreet"}))
    src = ok(upload(client, visitor, chat_id, "invoice-ann.pdf", PDF))["file"]["src"]
    ok(
        send(
            client,
            visitor,
            {"type": "file", "chat": {"id": chat_id}, "from": {"id": visitor.uid}, "file": {"src": src}},
        )
    )
    ok(send(client, staff, {"type": "end_chat", "chat": {"id": chat_id}}))
    rate = {
        "type": "rate",
        "chat": {"id": chat_id},
        "from": {"id": visitor.uid},
        "event": {"score": 4, "comment": "Ann liked it"},
    }
    ok(send(client, visitor, rate))
    return Story(visitor, chat_id, path_of(src))


def export(client: httpx.Client, staff, **params) -> httpx.Response:
    return client.get("/api/privacy/export", params=params, headers=staff.auth)


def erase(client: httpx.Client, staff, **body) -> httpx.Response:
    return client.post("/api/privacy/erase", json=body, headers=staff.auth)


def set_retention(client: httpx.Client, staff, days) -> httpx.Response:
    return client.put("/api/privacy/retention", json={"days": days}, headers=staff.auth)


def audit(client: httpx.Client, staff, **params) -> httpx.Response:
    return client.get("/api/privacy/audit", params=params, headers=staff.auth)
