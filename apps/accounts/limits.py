"""An organisation's own visitor rate limits: which kinds it may set, and what a limit looks like.

The server's HORN_RATE_<KIND> settings are the defaults (apps.guard.ratelimit);
an org may replace the visitor-side ones: a busy shop allows more messages, a
small one fewer page views. The per-IP, staff and bot limits stay the
operator's: they protect the platform, not one org's chats.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from limits import parse_many

KINDS = ("message", "request_chat", "track", "files")
MAX_ITEMS = 4  # "20/10second;300/hour" is two; more is a typo, not a policy


def validate_rate_limits(value) -> None:
    if not isinstance(value, dict):
        raise ValidationError('rate limits are an object such as {"message": "20/10second;300/hour"}')
    for kind, limit in value.items():
        if kind not in KINDS:
            raise ValidationError(f"unknown rate limit {kind!r}: use {', '.join(KINDS)}")
        validate_limit(kind, limit)


def validate_limit(kind: str, limit) -> None:
    try:
        items = parse_many(limit) if isinstance(limit, str) and len(limit) <= 100 else []
    except ValueError:
        items = []
    # A limit of 0 would refuse every visitor: that is a ban (apps.guard.bans), not a limit.
    if not items or len(items) > MAX_ITEMS or any(item.amount < 1 for item in items):
        raise ValidationError(f"{kind}: {str(limit)[:60]!r} is not a limit such as '20/10second;300/hour'")
