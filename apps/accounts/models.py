from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models

from apps.core import ids

from .hours import validate_business_hours, validate_timezone
from .limits import validate_rate_limits
from .widget import validate_widget


def _org_secret() -> str:
    return secrets.token_urlsafe(32)


class Organisation(models.Model):
    """A company using Horn (seed 004 `oid`, `cid` in message bodies)."""

    name = models.CharField(max_length=100, unique=True)
    # Website origins allowed to call the visitor API, e.g. ["https://shop.example"].
    allowed_origins = models.JSONField(default=list, blank=True)
    # HMAC key for identity verification of logged-in customers (customer_id).
    secret = models.CharField(max_length=64, default=_org_secret)
    # Refuse a visitor who claims a customer identity without a valid HMAC (anonymous visitors stay allowed).
    require_identity = models.BooleanField(default=False)
    # Largest upload in bytes; empty: the server's HORN_MAX_FILE_SIZE (an org can only lower it).
    max_file_size = models.PositiveBigIntegerField(null=True, blank=True)
    # Content types accepted for upload, e.g. ["image/*", "application/pdf"]; empty: every type.
    accepted_file_types = models.JSONField(default=list, blank=True)
    # New chats go straight to the available staff member with the most free capacity.
    auto_assign = models.BooleanField(default=False)
    # Opening hours in `timezone`: {"mon": [["09:00", "17:00"]], ...}; a day not listed is closed.
    # Empty: always open. Outside them, and whenever no staff member is available, visitors are
    # told `platform_closed` and may leave a message (see apps.accounts.hours).
    business_hours = models.JSONField(default=dict, blank=True, validators=[validate_business_hours])
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    # The embedded widget's look and questions: colour, position, greeting, language, pre_chat,
    # offline_form, sound (apps.accounts.widget; missing keys take their defaults).
    widget = models.JSONField(default=dict, blank=True, validators=[validate_widget])
    # What happens to an agent's open chats when their console goes away (every tab closed, or no
    # heartbeat for two intervals): "requeue" puts each chat they alone are in back at the front of
    # the queue, so no visitor waits for someone who went home; "keep" leaves them with the agent.
    REQUEUE, KEEP = "requeue", "keep"
    offline_chats = models.CharField(
        max_length=8, choices=[(REQUEUE, "back to the queue"), (KEEP, "stay with the agent")], default=REQUEUE
    )
    # Seconds an agent may be silent (no connection, no ping) before presence counts them gone and
    # `offline_chats` applies; empty: the server's HORN_PRESENCE_GRACE.
    presence_grace = models.PositiveIntegerField(null=True, blank=True)
    # Per-org visitor rate limits, {"message": "20/10second;300/hour", ...}, replacing the server's
    # HORN_RATE_<KIND> for those kinds (apps.accounts.limits; apps.guard.ratelimit applies them).
    rate_limits = models.JSONField(default=dict, blank=True, validators=[validate_rate_limits])
    # Where a chat opened while nobody could take it is announced by e-mail; empty: nowhere.
    offline_email = models.EmailField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.pk})"


class Staff(models.Model):
    """A staff member (seed 004 `sid`) of one organisation, linked to a Django user."""

    GENDERS = [("", "unspecified"), ("female", "female"), ("male", "male"), ("other", "other")]

    sid = models.CharField(primary_key=True, max_length=ids.STAFF_LEN, default=ids.new_staff_id, editable=False)
    org = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="staff")
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff")
    name = models.CharField(max_length=100)
    ONLINE, AWAY, OFFLINE = "online", "away", "offline"
    STATUSES = [(s, s) for s in (ONLINE, AWAY, OFFLINE)]
    # An admin runs the org (staff, settings, reports); an agent answers chats.
    ADMIN, AGENT = "admin", "agent"
    ROLES = [(ADMIN, "admin"), (AGENT, "agent")]

    gender = models.CharField(max_length=10, choices=GENDERS, blank=True, default="")
    # Their own choice; they are available only while also connected or pinging (presence).
    status = models.CharField(max_length=8, choices=STATUSES, default=ONLINE)
    # Chats they may own at once; automatic assignment never goes past it.
    max_chats = models.PositiveSmallIntegerField(default=5)
    role = models.CharField(max_length=8, choices=ROLES, default=AGENT)
    # The queues (departments) automatic assignment gives them chats of, by a chat's `queue` name;
    # empty: every queue. Claiming and joining by hand stay open to everyone.
    queues = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "staff"

    def __str__(self) -> str:
        return f"{self.name} <{self.sid}>"


def _bot_key() -> str:
    """The clear-text key of migration 0003 (before 0010 hashed them); kept for the migration history."""
    return secrets.token_hex(20)


KEY_PREFIX = "horn_"  # a Horn API key is recognisable in a config file, a log or a secret scanner


def new_api_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(30)


def hash_api_key(key: str) -> str:
    """Keys are 240 random bits, so a plain SHA-256 is enough (no salt or slow hash needed): stored, only this."""
    return hashlib.sha256(key.encode()).hexdigest()


class Bot(models.Model):
    """A bot or integration of one org, with its API key (`Authorization: Bearer <key>`, or `?apiKey=`).

    The key itself is shown once, when it is made (apps.accounts.actions.create_bot); Horn keeps
    its SHA-256 and its first characters (to tell keys apart in a list). Revoking = is_active False.
    """

    bid = models.CharField(primary_key=True, max_length=ids.STAFF_LEN, default=ids.new_staff_id, editable=False)
    org = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="bots")
    name = models.CharField(max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    key_prefix = models.CharField(max_length=16)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} <{self.bid}>"


class SetPasswordLink(models.Model):
    """A one-time, expiring link to set a password: an invitation, or a reset asked for by e-mail.

    Only a SHA-256 of the token is stored, so a leaked database (or backup) opens no account.
    A link works once and until `expires_at`; setting a password spends every open link of the user.
    """

    INVITE, RESET = "invite", "reset"
    PURPOSES = [(INVITE, "invitation"), (RESET, "password reset")]

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    purpose = models.CharField(max_length=8, choices=PURPOSES)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "created_at"])]
