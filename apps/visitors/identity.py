"""Identity verification (Intercom's / Chatwoot's `user_hash`): is this visitor the customer it claims to be?

The company's own server, which knows who is logged in, computes
HMAC-SHA256(org secret, customer id) and hands it to the widget; Horn checks
it here, in the track view, before anything is stored. Only a verified link
shares the customer's chats across devices (apps/chats/selectors.py); an
unverified claim is a label for staff and nothing more.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

from apps.accounts.orgs import OrgInfo
from apps.core.errors import IdentityRejected

# The exact form the docs give: 64 lowercase hex digits. Anything else (upper case, truncated,
# padded) is refused rather than normalised, so one form is valid and integrators find mistakes early.
HASH_FORM = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class Customer:
    """A customer claimed on track: `verified` when its hash matched."""

    id: str
    verified: bool
    name: str = ""
    email: str = ""


def expected_hash(secret: str, customer_id: str) -> str:
    return hmac.new(secret.encode(), customer_id.encode(), hashlib.sha256).hexdigest()


def check_customer(org: OrgInfo, claim: dict | None) -> Customer | None:
    """The customer a track claims, or IdentityRejected (nothing is stored then).

    A hash, when given, must match. No hash at all is an unverified claim, unless
    the org requires identity; anonymous visitors (no claim) are always allowed.
    """
    if claim is None:
        return None
    given = claim.get("hash")
    if given is None:
        if org.require_identity:
            raise IdentityRejected("this organisation requires customer.hash with customer.id", field="customer.hash")
        return Customer(claim["id"], False, claim.get("name", ""), claim.get("email", ""))
    # compare_digest: the time taken must not tell how many leading characters were right.
    if (
        not HASH_FORM.fullmatch(given)
        or not org.secret
        or not hmac.compare_digest(given, expected_hash(org.secret, claim["id"]))
    ):
        raise IdentityRejected(field="customer.hash")
    return Customer(claim["id"], True, claim.get("name", ""), claim.get("email", ""))
