"""Which chats a visitor may see: its own and, once verified, every chat of the same customer.

One place for the rule, used by state/init, history and request_chat. Only a
link proved by the org's HMAC (Visitor.customer_verified) counts, on both
sides: an unverified claim or staff's customer_identified shares nothing.
A verified link never changes (apps/visitors/actions.py `relink`), so a chat
stays with the customer it was made by.
"""

from __future__ import annotations

from django.db.models import Q

from apps.visitors.models import Visitor


def verified_customer(org_id: int, vid: str) -> str | None:
    """The customer id this visitor is verified as, if any."""
    return (
        Visitor.objects.filter(vid=vid, org_id=org_id, customer_verified=True)
        .values_list("customer_id", flat=True)
        .first()
    )


def visible_chats(org_id: int, vid: str, customer_id: str | None = None) -> Q:
    """A Chat filter: the org's chats the visitor made, or its verified customer's from any device."""
    mine = Q(creator_id=vid)
    if customer_id:
        mine |= Q(creator__customer_id=customer_id, creator__customer_verified=True)
    return Q(org_id=org_id) & mine
