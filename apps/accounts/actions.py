"""Creating organisations and staff (used by horn_demo, the admin and tests)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from rest_framework.authtoken.models import Token

from apps.chats.models import OrgSequence

from .models import Bot, Organisation, Staff, hash_api_key, new_api_key


def create_organisation(*, name: str, allowed_origins: list[str] | None = None) -> Organisation:
    with transaction.atomic():
        org = Organisation.objects.create(name=name, allowed_origins=allowed_origins or [])
        OrgSequence.objects.create(org_id=org.pk)
    return org


def create_staff(
    *, org: Organisation, username: str, password: str, name: str, gender: str = "", role: str = Staff.AGENT
) -> Staff:
    with transaction.atomic():
        user = get_user_model().objects.create_user(username=username, password=password)
        staff = Staff.objects.create(org=org, user=user, name=name, gender=gender, role=role)
        Token.objects.create(user=user)
    return staff


def create_bot(*, org: Organisation, name: str) -> tuple[Bot, str]:
    """A bot (an integration) of the org and its API key: the key is returned here, once, and never stored."""
    key = new_api_key()
    bot = Bot.objects.create(org=org, name=name, key_hash=hash_api_key(key), key_prefix=key[:12])
    return bot, key
