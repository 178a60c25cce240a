"""request_chat: a visitor opens a chat, or gets back the one they already have open."""

from __future__ import annotations

from django.utils import timezone

from apps.accounts.auth import Caller
from apps.accounts.models import Staff
from apps.core.errors import NotFound
from apps.visitors.models import Visitor

from ..customers import visible_chats
from ..models import Chat, ChatMember, Message
from .common import Sent, idempotent, store


@idempotent
def request_chat(caller: Caller, data: dict, key: str | None, digest: str, offline: bool = False) -> Sent:
    """`offline`: nobody can take chats now (platform_closed); the chat waits for staff to come."""
    event = data.get("event", {})
    # The visitor row lock makes a double-clicked request open one chat, not two.
    visitor = Visitor.objects.select_for_update().filter(vid=caller.uid, org_id=caller.org_id).first()
    if visitor is None:
        raise NotFound("visitor not found", field="from.id")
    customer_id = visitor.customer_id if visitor.customer_verified else None
    visible = Chat.objects.filter(visible_chats(caller.org_id, visitor.vid, customer_id))
    asked = event.get("chat", {}).get("id") or data.get("chat", {}).get("id")
    if asked and not visible.filter(pk=asked).exists():
        raise NotFound("chat not found", field="chat.id")
    open_chat = Chat.objects.filter(creator=visitor).exclude(state=Chat.ENDED).order_by("-created_at").first()
    if open_chat is not None:
        return Sent(_request_message(open_chat), [])
    if customer_id:
        shared = visible.exclude(state=Chat.ENDED).order_by("-created_at").values_list("pk", flat=True).first()
        if shared is not None:
            return _take_part(caller, shared)
    uids = _check_uids(caller, event.get("uids") or [caller.uid])
    chat = Chat.objects.create(
        org_id=caller.org_id,
        creator=visitor,
        queue=event.get("queue", ""),
        waiting_since=timezone.now(),
        offline=offline,
    )
    ChatMember.objects.create(chat=chat, uid=caller.uid, role=caller.role)
    body = {"event": {"chat": {"id": chat.id}, "uids": uids, **({"offline": True} if offline else {})}}
    return store(caller, chat, "request_chat", body, key, digest, to_staff=True)


def _take_part(caller: Caller, chat_id: str) -> Sent:
    """A verified customer's second device joins the customer's open chat as one more visitor member.

    Membership is what push, posting and reading go by, so from now on this
    device receives the chat's events and writes into it under its own uid.
    The chat row is locked, as every membership change does, so a post being
    stored meanwhile sees either the old members or the new ones, whole.
    """
    chat = Chat.objects.select_for_update().get(pk=chat_id)
    if not ChatMember.objects.filter(chat=chat, uid=caller.uid).update(left_at=None):
        ChatMember.objects.create(chat=chat, uid=caller.uid, role=caller.role)
    return Sent(_request_message(chat), [])


def _check_uids(caller: Caller, uids: list[str]) -> list[str]:
    """The visitor may name itself and staff of its own org, nobody else."""
    staff = [uid for uid in uids if uid != caller.uid]
    if staff:
        found = set(Staff.objects.filter(org_id=caller.org_id, sid__in=staff).values_list("sid", flat=True))
        missing = [uid for uid in staff if uid not in found]
        if missing:
            raise NotFound(f"unknown uid {missing[0]}", field="event.uids")
    return list(dict.fromkeys(uids))


def _request_message(chat: Chat) -> Message:
    return Message.objects.filter(chat=chat, type="request_chat").order_by("seq").first()
