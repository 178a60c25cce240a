"""API keys: each is one bot or integration of one org (apps.accounts.models.Bot), kept hashed, shown once.

What the admin API (/api/keys) and `manage.py horn_key` call. Revoking deactivates
the bot: its key stops working at once, and its open sockets close in every
process (apps.guard.staffkick).
"""

from __future__ import annotations

from django.db import transaction

from apps.accounts.actions import create_bot
from apps.accounts.models import Bot, Organisation
from apps.core.errors import InvalidValue, NotFound

MAX_KEYS = 100  # per org, active or revoked


def describe(bot: Bot, key: str | None = None) -> dict:
    out = {
        "id": bot.bid,
        "name": bot.name,
        "prefix": bot.key_prefix,
        "active": bot.is_active,
        "created_at": int(bot.created_at.timestamp()),
        "last_used_at": int(bot.last_used_at.timestamp()) if bot.last_used_at else None,
    }
    if key is not None:
        out["key"] = key
    return out


def list_keys(org_id: int) -> list[dict]:
    return [describe(b) for b in Bot.objects.filter(org_id=org_id).order_by("-is_active", "name", "bid")]


def create_key(org_id: int, name: str) -> dict:
    name = name.strip()
    if not name:
        raise InvalidValue("give the key a name (the bot's name in chats)", field="name")
    with transaction.atomic():
        org = Organisation.objects.select_for_update().get(pk=org_id)
        if Bot.objects.filter(org=org).count() >= MAX_KEYS:
            raise InvalidValue(f"an organisation has at most {MAX_KEYS} API keys", field="name")
        bot, key = create_bot(org=org, name=name)
    return describe(bot, key)


def revoke_key(org_id: int, bid: str) -> dict:
    with transaction.atomic():
        bot = Bot.objects.select_for_update().filter(org_id=org_id, pk=bid).first()
        if bot is None:
            raise NotFound("API key not found", field="id")
        if bot.is_active:
            bot.is_active = False
            bot.save(update_fields=["is_active"])  # the signal closes its sockets after commit
    return describe(bot)
