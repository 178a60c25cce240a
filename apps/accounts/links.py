"""One-time, expiring set-password links: issued for an invitation or a reset, spent by setting a password.

The token travels only in the mail (`/set-password/<token>/`); the table keeps its SHA-256, so
neither a database dump nor an admin reading rows can use a link. Each refusal says why (forged,
expired, used) and changes nothing.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from apps.core.errors import LinkExpired, LinkInvalid, LinkUsed

from .models import SetPasswordLink

TOKEN_MAX = 100  # a token is 43 characters; anything much longer is not one of ours


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def lifetime(purpose: str) -> timedelta:
    if purpose == SetPasswordLink.INVITE:
        return timedelta(hours=settings.HORN_INVITE_HOURS)
    return timedelta(minutes=settings.HORN_RESET_MINUTES)


def issue(user, purpose: str) -> str:
    """A new link's URL for `user` (HORN_PUBLIC_URL: a Host header must never choose where a reset link points)."""
    token = secrets.token_urlsafe(32)
    SetPasswordLink.objects.create(
        user=user, purpose=purpose, token_hash=_hash(token), expires_at=timezone.now() + lifetime(purpose)
    )
    return f"{settings.HORN_PUBLIC_URL}/set-password/{token}/"


def check(token: str, *, lock: bool = False) -> SetPasswordLink:
    """The usable link for `token`, or LinkInvalid / LinkExpired / LinkUsed."""
    if not token or len(token) > TOKEN_MAX:
        raise LinkInvalid()
    rows = SetPasswordLink.objects.select_related("user")
    link = (rows.select_for_update() if lock else rows).filter(token_hash=_hash(token)).first()
    if link is None:
        raise LinkInvalid()
    if link.used_at is not None:
        raise LinkUsed()
    if link.expires_at <= timezone.now():
        raise LinkExpired()
    if not link.user.is_active:  # deactivated since the link was sent
        raise LinkInvalid(gettext_noop("this account is deactivated: ask your organisation's admin"))
    return link


def set_password(token: str, password: str):
    """Spend the link: set the password (after Django's validators), end every open link of the user.

    Raises django's ValidationError for a password the validators refuse (the link stays usable).
    """
    with transaction.atomic():
        link = check(token, lock=True)  # locked: two submits of one link cannot both pass
        user = link.user
        validate_password(password, user)
        user.set_password(password)
        user.save(update_fields=["password"])
        SetPasswordLink.objects.filter(user=user, used_at__isnull=True).update(used_at=timezone.now())
    return user


def recently_sent(user, seconds: int) -> bool:
    """Whether a reset link went to `user` in the last `seconds` (a reset form cannot flood a mailbox)."""
    since = timezone.now() - timedelta(seconds=seconds)
    return SetPasswordLink.objects.filter(user=user, purpose=SetPasswordLink.RESET, created_at__gte=since).exists()


def user_by_email(email: str):
    """The active user with this address (case-insensitive), if exactly one."""
    users = list(get_user_model().objects.filter(email__iexact=email, is_active=True)[:2])
    return users[0] if len(users) == 1 else None
