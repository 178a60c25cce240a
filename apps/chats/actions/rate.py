"""rate: the visitor rates its chat, once, after staff marked it done or it ended.

Content posts refuse ended chats (content.py), and a rating is not content: it
is a fact about the chat. It lives on the chat row (`rating`, `rated_at`), and
the row is locked while it is checked and written, so two ratings sent at once
(two tabs, two devices of one customer) store one and refuse the other. The
`rate` message records it in the chat's log for history and push.
"""

from __future__ import annotations

from django.utils import timezone

from apps.accounts.auth import USER, Caller
from apps.core.errors import AlreadyRated, NotMember, NotRatableYet

from ..models import Chat, ChatMember
from .common import Sent, current_members, idempotent, lock_chat, store

RATABLE = (Chat.AGENT_DONE, Chat.ENDED)


@idempotent
def rate(caller: Caller, data: dict, key: str | None, digest: str) -> Sent:
    chat = lock_chat(caller, data["chat"]["id"])
    # Any visitor member, left or not: the creator, or a verified customer's other device that took part.
    if not ChatMember.objects.filter(chat=chat, uid=caller.uid, role=USER).exists():
        raise NotMember(field="chat.id")
    if chat.rating is not None:
        raise AlreadyRated(field="chat.id")
    if chat.state not in RATABLE:
        raise NotRatableYet(field="chat.id")
    score, comment = data["event"]["score"], data["event"].get("comment", "")
    Chat.objects.filter(pk=chat.pk).update(rating=score, rating_comment=comment, rated_at=timezone.now())
    event = {"chat": {"id": chat.id}, "score": score, **({"comment": comment} if comment else {})}
    return store(caller, chat, "rate", {"event": event}, key, digest, members=recipients(chat))


def recipients(chat: Chat) -> tuple[tuple[str, str], ...]:
    """The chat's current members and every staff member or bot who was ever in it.

    After agent_done (and often before an end) the staff who handled the chat
    have left it; the rating is about them, so it is pushed to them too. A
    staff member who missed the push finds it in state/init's `ratings`.
    """
    former = ChatMember.objects.filter(chat=chat).exclude(role=USER).values_list("uid", "role")
    return tuple(dict.fromkeys([*current_members(chat), *former]))
