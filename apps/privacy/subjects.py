"""Whose data an export or erasure is about: one visitor (uid) or every visitor of one customer id.

Both are looked up within the caller's organisation only: a visitor or
customer of another organisation is "not found", exactly like one that never
existed. The same rule decides which chats, messages and files are theirs.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext_noop

from apps.chats.models import Chat, ChatMember
from apps.core import ids
from apps.core.errors import BadId, InvalidValue, MissingField, NotFound
from apps.files.models import Upload
from apps.visitors.models import CUSTOMER_ID_LEN, Visitor


@dataclass(frozen=True, slots=True)
class Subject:
    """What an admin asked for: exactly one of `uid` and `customer`."""

    uid: str | None = None
    customer: str | None = None

    @property
    def field(self) -> str:
        return "uid" if self.uid is not None else "customer"

    @property
    def label(self) -> str:
        return f"visitor {self.uid}" if self.uid is not None else f"customer {self.customer}"


def parse(uid: str | None, customer: str | None) -> Subject:
    """A Subject from request input, or the 4xx that says what is wrong with it."""
    if uid and customer:
        raise InvalidValue(gettext_noop("give uid or customer, not both"), field="customer")
    if uid:
        if not ids.is_visitor_id(uid):
            raise BadId(gettext_noop("uid is not a well-formed visitor id"), field="uid")
        return Subject(uid=uid)
    if customer:
        if len(customer) > CUSTOMER_ID_LEN:
            raise InvalidValue(f"customer is longer than {CUSTOMER_ID_LEN} characters", field="customer")
        return Subject(customer=customer)
    raise MissingField(gettext_noop("give the visitor's uid or the customer id"), field="uid")


def visitors(org_id: int, subject: Subject) -> list[Visitor]:
    rows = Visitor.objects.filter(org_id=org_id).order_by("created_at", "vid")
    found = list(rows.filter(pk=subject.uid) if subject.uid is not None else rows.filter(customer_id=subject.customer))
    if not found:
        if subject.uid is not None:
            raise NotFound(gettext_noop("no visitor with this id in this organisation"), field=subject.field)
        raise NotFound(gettext_noop("no visitor with this customer id in this organisation"), field=subject.field)
    return found


def chats(org_id: int, vids: list[str]):
    """Chats they opened, and chats they took part in (a verified customer's other device)."""
    joined = ChatMember.objects.filter(uid__in=vids).values("chat_id")
    return Chat.objects.filter(Q(creator_id__in=vids) | Q(pk__in=joined), org_id=org_id).order_by("created_at", "pk")


def uploads(org_id: int, chat_ids: list[str], vids: list[str]):
    """Files of their chats (sent by anyone) and files they uploaded."""
    return Upload.objects.filter(Q(chat_id__in=chat_ids) | Q(uploader_id__in=vids), org_id=org_id).order_by(
        "created_at", "pk"
    )
