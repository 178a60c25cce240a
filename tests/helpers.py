"""Small HTTP helpers shared by the tests: a visitor, sending, asserting error bodies."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from apps.chats.models import Chat, ChatMember, Message, OrgSequence
from apps.visitors.models import Visit, Visitor


@dataclass
class VisitorUser:
    uid: str
    token: str
    track_id: str
    org_id: int

    @property
    def auth(self) -> dict:
        return {"X-Horn-Token": self.token}


@dataclass
class BotUser:
    uid: str
    token: str

    @property
    def auth(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"}


def track(client: httpx.Client, org_id: int, **extra) -> VisitorUser:
    body = {"cid": org_id, "url": "https://shop.example/pricing", "title": "Pricing", "fp": "fp-1", **extra}
    r = client.post("/api/user/track", json=body)
    assert r.status_code == 200, r.text
    data = r.json()
    return VisitorUser(data["uid"], data["token"], data["track_id"], org_id)


def send(client: httpx.Client, who, body: dict, **kwargs) -> httpx.Response:
    return client.post("/api/message", json=body, headers={**who.auth, **kwargs.pop("headers", {})}, **kwargs)


def ok(response: httpx.Response) -> dict:
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["code"] == 0 and data["msg"] == "ok", data
    return data


def request_chat(client: httpx.Client, visitor: VisitorUser, **event) -> str:
    body = {
        "type": "request_chat",
        "from": {"id": visitor.uid, "role": "user"},
        "event": {"uids": [visitor.uid], **event},
    }
    return ok(send(client, visitor, body))["chat"]["id"]


def join(client: httpx.Client, staff, chat_id: str) -> dict:
    return ok(send(client, staff, {"type": "join_chat", "chat": {"id": chat_id}}))


def text(client: httpx.Client, who, chat_id: str, text: str, headers: dict | None = None, **extra) -> httpx.Response:
    body = {"type": "text", "chat": {"id": chat_id}, "text": text, **extra}
    if hasattr(who, "track_id"):
        body["from"] = {"id": who.uid}
    return send(client, who, body, headers=headers or {})


def error(response: httpx.Response, status: int, code: int, field: str | None = None) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code, body
    assert isinstance(body["msg"], str) and body["msg"]
    if field is not None:
        assert body["field"] == field, body
    return body


def snapshot() -> tuple:
    """Row counts and sequences: an error must leave all of them unchanged."""
    return (
        Visitor.objects.count(),
        Visit.objects.count(),
        Chat.objects.count(),
        ChatMember.objects.count(),
        Message.objects.count(),
        tuple(OrgSequence.objects.order_by("org_id").values_list("org_id", "seq")),
        tuple(Chat.objects.order_by("pk").values_list("pk", "state", "owner_id")),
    )
