"""Webhooks: an org subscribes URLs to event names; Horn POSTs each matching event, signed, until it is taken.

The actions here (create, list, change, delete, replay) are what the admin API
calls; delivery.py turns events into deliveries and sends them.

A URL must be http(s) and resolve only to public addresses: a webhook is a
request Horn makes from inside the operator's network, so loopback, private,
link-local and reserved ranges are refused (server-side request forgery) unless
the operator allows them (HORN_WEBHOOK_ALLOW_PRIVATE, for a receiver on the same
host or LAN). The check runs when the URL is saved and again before every
delivery, since a name can be pointed elsewhere later.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.accounts.auth import Caller
from apps.chats.actions import ACTIONS, TRANSIENT
from apps.chats.sequence import current_seq
from apps.core.errors import InvalidValue, NotFound, UrlRefused

from .envelope import CONTENT
from .models import Webhook, WebhookDelivery

# The event stream's names: content is personalChatSent, every other stored event its Horn type.
EVENT_NAMES = frozenset(
    {"personalChatSent"} | {name for name, (action, _) in ACTIONS.items() if action not in TRANSIENT} - CONTENT
)
ALL = "*"
MAX_WEBHOOKS = 20  # per org: each is a stream of requests from the operator's network


def check_url(url: str) -> None:
    """UrlRefused unless `url` is http(s) to a host whose every address is public (or private ones are allowed)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UrlRefused("use an http:// or https:// URL with a host name", field="url")
    if parts.username or parts.password:
        raise UrlRefused("put no credentials in the URL; check the X-Horn-Signature header instead", field="url")
    try:
        port = parts.port
        infos = socket.getaddrinfo(
            parts.hostname, port or (443 if parts.scheme == "https" else 80), type=socket.SOCK_STREAM
        )
    except (ValueError, OSError):
        raise UrlRefused(f"cannot resolve {parts.hostname}", field="url") from None
    if settings.HORN_WEBHOOK_ALLOW_PRIVATE:
        return
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if not address.is_global:
            raise UrlRefused(
                f"{parts.hostname} resolves to {address}, a private or reserved address; "
                "Horn only calls public addresses (the operator can allow private ones)",
                field="url",
            )


def sign(secret: str, body: bytes, at: int) -> str:
    """The X-Horn-Signature header: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>."""
    mac = hmac.new(secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={at},v1={mac}"


def _events(value) -> list[str]:
    if not isinstance(value, list) or not value or len(value) > 50:
        raise InvalidValue('events must be a list of 1-50 event names (or ["*"])', field="events")
    unknown = [v for v in value if not isinstance(v, str) or (v != ALL and v not in EVENT_NAMES)]
    if unknown:
        raise InvalidValue(f"unknown event {unknown[0]!r}; known: *, {', '.join(sorted(EVENT_NAMES))}", field="events")
    return sorted(set(value))


def describe(hook: Webhook, *, with_secret: bool = False) -> dict:
    out = {
        "id": hook.pk,
        "url": hook.url,
        "events": hook.events,
        "description": hook.description,
        "active": hook.active,
        "consecutive_failures": hook.consecutive_failures,
        "failing_since": int(hook.failing_since.timestamp()) if hook.failing_since else None,
        "disabled_at": int(hook.disabled_at.timestamp()) if hook.disabled_at else None,
        "disabled_reason": hook.disabled_reason,
        "created_at": int(hook.created_at.timestamp()),
    }
    if with_secret:
        out["secret"] = hook.secret
    return out


def describe_delivery(row: WebhookDelivery) -> dict:
    stamp = lambda t: int(t.timestamp()) if t else None  # noqa: E731
    return {
        "id": row.pk,
        "event": row.event,
        "state": row.state,
        "attempts": row.attempts,
        "last_status": row.last_status,
        "last_error": row.last_error,
        "created_at": stamp(row.created_at),
        "next_attempt_at": stamp(row.next_attempt_at) if row.state == WebhookDelivery.PENDING else None,
        "delivered_at": stamp(row.delivered_at),
    }


def _get(caller: Caller, hook_id: int, *, lock: bool = False) -> Webhook:
    rows = Webhook.objects.filter(org_id=caller.org_id, pk=hook_id)
    hook = (rows.select_for_update() if lock else rows).first()
    if hook is None:
        raise NotFound("webhook not found", field="id")
    return hook


def list_webhooks(caller: Caller) -> list[dict]:
    return [describe(h) for h in Webhook.objects.filter(org_id=caller.org_id).order_by("pk")]


def get_webhook(caller: Caller, hook_id: int) -> dict:
    return describe(_get(caller, hook_id))


def create_webhook(caller: Caller, url: str, events: list, description: str) -> dict:
    events = _events(events)
    check_url(url)
    with transaction.atomic():
        if Webhook.objects.filter(org_id=caller.org_id).count() >= MAX_WEBHOOKS:
            raise InvalidValue(f"an organisation has at most {MAX_WEBHOOKS} webhooks", field="url")
        hook = Webhook.objects.create(
            org_id=caller.org_id,
            url=url,
            events=events,
            description=description,
            secret="whsec_" + secrets.token_hex(24),
            cursor=current_seq(caller.org_id),  # events from now on
        )
    return describe(hook, with_secret=True)


def change_webhook(caller: Caller, hook_id: int, changes: dict) -> dict:
    if "events" in changes:
        changes["events"] = _events(changes["events"])
    if "url" in changes:
        check_url(changes["url"])
    with transaction.atomic():
        hook = _get(caller, hook_id, lock=True)
        if changes.get("active") and not hook.active:
            # Switched back on: a fresh start; what was missed while off is not sent (replay it from the log).
            hook.cursor = current_seq(caller.org_id)
            hook.consecutive_failures, hook.failing_since = 0, None
            hook.disabled_at, hook.disabled_reason = None, ""
        for field, value in changes.items():
            setattr(hook, field, value)
        hook.save()
    return describe(hook)


def delete_webhook(caller: Caller, hook_id: int) -> None:
    with transaction.atomic():
        _get(caller, hook_id, lock=True).delete()


def list_deliveries(caller: Caller, hook_id: int, state: str | None, limit: int) -> list[dict]:
    hook = _get(caller, hook_id)
    rows = WebhookDelivery.objects.filter(webhook=hook)
    if state:
        rows = rows.filter(state=state)
    return [describe_delivery(r) for r in rows.order_by("-created_at", "-seq")[:limit]]


def replay(caller: Caller, hook_id: int, delivery_id: str) -> dict:
    """Send a delivery again (delivered, given up or pending): same id and body, attempted now."""
    with transaction.atomic():
        hook = _get(caller, hook_id)
        row = WebhookDelivery.objects.select_for_update().filter(webhook=hook, pk=delivery_id).first()
        if row is None:
            raise NotFound("delivery not found", field="delivery")
        row.state, row.next_attempt_at = WebhookDelivery.PENDING, timezone.now()
        row.save(update_fields=["state", "next_attempt_at"])
    return describe_delivery(row)
