"""Offline messages by e-mail: the org hears of a chat opened while it was closed, and a visitor who
has gone gets staff's answer.

Two moments, both after the change is committed and published:

- **A chat is opened offline** (nobody could take it: `platform_closed`): one mail to the org's
  `offline_email`, if set, naming the visitor (and Reply-To their e-mail, if they left one) and
  linking to the console. Once per chat: a second `request_chat` of the same visitor returns the open
  chat and stores nothing, so it sends nothing.
- **Staff answer an offline chat while the visitor is gone**: each `text` a staff member posts into an
  offline chat (`Chat.offline`: opened, or back in the queue, while closed) is mailed to the visitor
  if, when it is published, no visitor member of the chat is online (presence: no connection or ping
  within the grace) and the visitor left a valid e-mail (pre-chat or offline form, or `identify`).
  One mail per message, never two: a retried send (same client_msg_id) stores nothing new and
  publishes nothing. Internal notes, bots' messages and anything a visitor still online will see in
  the widget are not mailed.

Sending is a task of the process that published the event, after the sender has had their answer:
an SMTP server that is slow or down delays or loses the mail (logged), never the chat. A process
that dies with a mail in flight loses it; the message itself is stored and waits in the widget.
"""

from __future__ import annotations

import asyncio
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email

from apps.accounts.auth import STAFF, USER
from apps.accounts.models import Organisation
from apps.core.db import db
from apps.realtime import presence
from apps.realtime.events import Event

from .availability import OUTSIDE_HOURS, Availability
from .models import Chat

log = logging.getLogger("horn.offlinemail")

_tasks: set[asyncio.Task] = set()  # running sends: the loop keeps only weak references to tasks


def _spawn(coro) -> None:
    task = asyncio.get_running_loop().create_task(coro)
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)


def chat_opened_offline(org_id: int, chat_id: str, available: Availability) -> None:
    """The chat `chat_id` was just opened while nobody could take it: tell the org's address."""
    _spawn(_guarded(_tell_org(org_id, chat_id, available)))


def published(events: list[Event]) -> None:
    """Stored events were just published: staff texts into chats whose visitors are gone may be mailed."""
    answers = [e for e in events if _staff_text(e)]
    if answers:
        _spawn(_guarded(_tell_visitors(answers)))


async def _guarded(coro) -> None:
    try:
        await coro
    except Exception:
        log.exception("an offline e-mail was not sent")


def _staff_text(event: Event) -> bool:
    payload = event.payload
    return not event.internal and payload.get("type") == "text" and payload.get("from", {}).get("role") == STAFF


async def _tell_org(org_id: int, chat_id: str, available: Availability) -> None:
    mail = await db(_org_mail, org_id, chat_id, available)
    if mail is not None:
        await asyncio.to_thread(mail.send)


def _org_mail(org_id: int, chat_id: str, available: Availability) -> EmailMessage | None:
    org = Organisation.objects.filter(pk=org_id).values("name", "offline_email").first()
    chat = Chat.objects.filter(pk=chat_id, org_id=org_id).select_related("creator").first()
    if not org or not org["offline_email"] or chat is None:
        return None
    visitor = chat.creator
    email = _valid(visitor.customer_email)
    who = " ".join(x for x in (visitor.customer_name, f"<{email}>" if email else "") if x) or "A visitor"
    why = "outside your business hours" if available.reason == OUTSIDE_HOURS else "while nobody was available"
    body = (
        f"{who} opened a chat with {org['name']} {why}.\n\n"
        f"Read and answer it in the console: {settings.HORN_PUBLIC_URL}/\n"
        + (
            "If they have gone when you answer, your answer is e-mailed to them.\n"
            if email
            else "They left no e-mail: they see your answer when they come back to your site.\n"
        )
    )
    subject = f"New chat while you were away: {visitor.customer_name or email or 'a visitor'}"
    return EmailMessage(subject, body, to=[org["offline_email"]], reply_to=[email] if email else None)


async def _tell_visitors(answers: list[Event]) -> None:
    for event in answers:
        visitors = [uid for uid, role in event.members if role == USER]
        if not visitors:
            continue
        online = [await presence.is_online(event.org_id, USER, uid) for uid in visitors]
        if any(online):
            continue  # they see it in the widget
        mail = await db(_visitor_mail, event)
        if mail is not None:
            await asyncio.to_thread(mail.send)


def _visitor_mail(event: Event) -> EmailMessage | None:
    chat = (
        Chat.objects.filter(pk=event.payload["chat"]["id"], org_id=event.org_id, offline=True)
        .select_related("creator", "org")
        .first()
    )
    if chat is None:
        return None
    email = _valid(chat.creator.customer_email)
    if not email:
        return None
    staff = event.payload["from"].get("name") or "Our team"
    body = (
        f"{staff} of {chat.org.name} answered your message:\n\n{event.payload.get('text', '')}\n\n"
        "To go on with the chat, come back to our website and open the chat.\n"
    )
    return EmailMessage(f"{chat.org.name} answered your message", body, to=[email])


def _valid(address: str) -> str:
    """The visitor's address if it is one (they typed it: it is checked before anything is sent to it)."""
    try:
        validate_email(address)
    except ValidationError:
        return ""
    return address
