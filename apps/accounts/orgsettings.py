"""An organisation's settings as its admins change them: the input schema, the one action, the output.

Every change, from the settings page or the API, goes through `update_settings`:
one short transaction on the locked org row, then, after commit, `orgs.changed`
drops the cached org in every process, so visitors, presence and rate limits
use the new values at once rather than after the cache's TTL.
The identity secret is never read back: `rotate_secret` makes a new one and
returns it that once (docs/settings.md).
"""

from __future__ import annotations

import re
import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from rest_framework import serializers

from apps.core.errors import InvalidValue
from apps.core.validation import StrictBooleanField, StrictCharField, StrictIntegerField, StrictSerializer

from . import orgs
from .hours import validate_business_hours, validate_timezone
from .limits import KINDS as RATE_KINDS
from .limits import validate_rate_limits
from .models import Organisation
from .widget import effective as effective_widget
from .widget import validate_widget

MAX_ORIGINS = 50
MAX_FILE_TYPES = 50
MAX_GRACE = 3600  # an hour: longer, and a visitor waits all that time for an agent who went home
MIME_PATTERN = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/(\*|[a-z0-9][a-z0-9!#$&^_.+-]{0,63})")


def _django_check(validator, value):
    """A model-field validator (apps.accounts.widget, hours, limits) as a serializer error."""
    try:
        validator(value)
    except ValidationError as exc:
        raise serializers.ValidationError(exc.messages[0]) from None
    return value


def check_origin(value: str) -> str:
    """`https://shop.example` or `http://localhost:8080`: a scheme and a host, nothing after them."""
    parts = urlsplit(value.strip())
    bare = not (parts.path.strip("/") or parts.query or parts.fragment or parts.username or parts.password)
    try:
        parts.port  # noqa: B018 -- raises on a port that is not a number
    except ValueError:
        bare = False
    if parts.scheme not in ("http", "https") or not parts.hostname or not bare:
        raise serializers.ValidationError(f"{value[:80]!r} is not an origin such as https://shop.example")
    return f"{parts.scheme}://{parts.netloc.lower()}"


def grace_bounds() -> tuple[int, int]:
    """A grace shorter than two heartbeats would take an agent offline between two of their pings."""
    return 2 * settings.HORN_HEARTBEAT_INTERVAL, MAX_GRACE


class SettingsIn(StrictSerializer):
    """PATCH /api/org/settings: any subset of these; `widget` is merged key by key into the stored one."""

    widget = serializers.JSONField(required=False)
    allowed_origins = serializers.ListField(
        child=StrictCharField(max_length=200), max_length=MAX_ORIGINS, required=False
    )
    require_identity = StrictBooleanField(required=False)
    business_hours = serializers.JSONField(required=False)
    timezone = StrictCharField(max_length=64, required=False)
    auto_assign = StrictBooleanField(required=False)
    presence_grace = StrictIntegerField(allow_null=True, required=False)
    offline_chats = serializers.ChoiceField(choices=[Organisation.REQUEUE, Organisation.KEEP], required=False)
    rate_limits = serializers.JSONField(required=False)
    max_file_size = StrictIntegerField(allow_null=True, required=False)
    accepted_file_types = serializers.ListField(
        child=StrictCharField(max_length=130), max_length=MAX_FILE_TYPES, required=False
    )
    offline_email = StrictCharField(allow_blank=True, max_length=254, required=False)

    def validate_widget(self, value):
        return _django_check(validate_widget, value)

    def validate_allowed_origins(self, value):
        return list(dict.fromkeys(check_origin(origin) for origin in value))

    def validate_business_hours(self, value):
        return _django_check(validate_business_hours, value)

    def validate_timezone(self, value):
        return _django_check(validate_timezone, value)

    def validate_presence_grace(self, value):
        low, high = grace_bounds()
        if value is not None and not low <= value <= high:
            raise serializers.ValidationError(f"between {low} and {high} seconds, or null for the server's")
        return value

    def validate_rate_limits(self, value):
        return _django_check(validate_rate_limits, value)

    def validate_max_file_size(self, value):
        if value is not None and not 1 <= value <= settings.HORN_MAX_FILE_SIZE:
            raise serializers.ValidationError(
                f"between 1 and the server's limit, {settings.HORN_MAX_FILE_SIZE} bytes, or null for the server's"
            )
        return value

    def validate_accepted_file_types(self, value):
        for pattern in value:
            if not MIME_PATTERN.fullmatch(pattern):
                raise serializers.ValidationError(f"{pattern[:80]!r} is not a type such as image/* or application/pdf")
        return list(dict.fromkeys(value))

    def validate_offline_email(self, value):
        if value:
            _django_check(validate_email, value)
        return value


def update_settings(*, org_id: int, changes: dict) -> dict:
    """Apply validated changes (SettingsIn) to the org; its settings as they are now."""
    with transaction.atomic():
        org = Organisation.objects.select_for_update().get(pk=org_id)
        for name, value in changes.items():
            setattr(org, name, {**org.widget, **value} if name == "widget" else value)
        try:  # the model's own validators, a second line behind SettingsIn
            org.clean_fields(exclude=[f.name for f in Organisation._meta.fields if f.name not in changes])
        except ValidationError as exc:
            field, messages = next(iter(exc.message_dict.items()))
            raise InvalidValue(f"{field}: {messages[0]}", field=field) from None
        if changes:
            org.save(update_fields=list(changes))
            transaction.on_commit(lambda: orgs.changed(org_id))
    return describe(org)


def rotate_secret(*, org_id: int) -> str:
    """A new identity-verification secret; hashes made with the old one stop matching at once."""
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        Organisation.objects.filter(pk=org_id).update(secret=secret)
        transaction.on_commit(lambda: orgs.changed(org_id))
    return secret


def read_settings(*, org_id: int) -> dict:
    return describe(Organisation.objects.get(pk=org_id))


def describe(org: Organisation) -> dict:
    """The settings (never the secret), and the server's values that apply where the org set none."""
    return {
        "settings": {
            "widget": effective_widget(org.widget),
            "allowed_origins": org.allowed_origins,
            "require_identity": org.require_identity,
            "business_hours": org.business_hours,
            "timezone": org.timezone,
            "auto_assign": org.auto_assign,
            "presence_grace": org.presence_grace,
            "offline_chats": org.offline_chats,
            "rate_limits": org.rate_limits,
            "max_file_size": org.max_file_size,
            "accepted_file_types": org.accepted_file_types,
            "offline_email": org.offline_email,
        },
        "server": {
            "max_file_size": settings.HORN_MAX_FILE_SIZE,
            "presence_grace": orgs.server_presence_grace(),
            "presence_grace_range": list(grace_bounds()),
            "rate_limits": {kind: getattr(settings, f"HORN_RATE_{kind.upper()}") for kind in RATE_KINDS},
        },
    }
