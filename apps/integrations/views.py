"""The admin API for integrations: API keys (GET/POST /api/keys, DELETE /api/keys/{id}) and webhooks
(docs/webhooks.md): thin views over apps/integrations/keys.py and webhooks.py.

GET/POST /api/webhooks, GET/PATCH/DELETE /api/webhooks/{id},
GET /api/webhooks/{id}/deliveries, POST /api/webhooks/{id}/deliveries/{delivery}/replay.
Admins of the org only; a webhook or delivery of another org is "not found".
"""

from __future__ import annotations

from rest_framework import serializers

from apps.accounts.auth import authenticate_admin
from apps.core.db import db
from apps.core.errors import InvalidValue, MissingField, NotFound
from apps.core.http import api_view, json_body, ok, path_id, query
from apps.core.validation import StrictBooleanField, StrictCharField, StrictSerializer, validate

from . import keys, webhooks
from .models import WebhookDelivery


class WebhookIn(StrictSerializer):
    url = StrictCharField(max_length=2000)
    events = serializers.JSONField()
    description = StrictCharField(max_length=200, required=False, default="", allow_blank=True)


class WebhookChange(StrictSerializer):
    url = StrictCharField(max_length=2000, required=False)
    events = serializers.JSONField(required=False)
    description = StrictCharField(max_length=200, required=False, allow_blank=True)
    active = StrictBooleanField(required=False)


def _id(raw: str) -> int:
    return path_id(raw, "webhook")


@api_view("GET", "POST")
async def webhooks_view(request):
    caller = await authenticate_admin(request)
    if request.method == "GET":
        return ok(data=await db(webhooks.list_webhooks, caller))
    data = validate(WebhookIn, json_body(request))
    hook = await db(webhooks.create_webhook, caller, data["url"], data["events"], data.get("description", ""))
    return ok(webhook=hook)


@api_view("GET", "PATCH", "DELETE")
async def webhook_one(request, hook_id: str):
    caller = await authenticate_admin(request)
    pk = _id(hook_id)
    if request.method == "GET":
        return ok(webhook=await db(webhooks.get_webhook, caller, pk))
    if request.method == "DELETE":
        await db(webhooks.delete_webhook, caller, pk)
        return ok(deleted=pk)
    changes = validate(WebhookChange, json_body(request))
    if not changes:
        raise MissingField("give url, events, description or active", field="url")
    return ok(webhook=await db(webhooks.change_webhook, caller, pk, changes))


@api_view("GET")
async def deliveries(request, hook_id: str):
    caller = await authenticate_admin(request)
    state = query(request, "state", max_length=10)
    if state and state not in dict(WebhookDelivery.STATES):
        raise InvalidValue("state is pending, delivered or failed", field="state")
    raw_limit = query(request, "limit", max_length=4) or "50"
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= 200:
        raise InvalidValue("limit is 1-200", field="limit")
    return ok(data=await db(webhooks.list_deliveries, caller, _id(hook_id), state, int(raw_limit)))


@api_view("POST")
async def replay(request, hook_id: str, delivery_id: str):
    caller = await authenticate_admin(request)
    if len(delivery_id) > 32:
        raise NotFound("delivery not found", field="delivery")
    return ok(delivery=await db(webhooks.replay, caller, _id(hook_id), delivery_id))


class KeyIn(StrictSerializer):
    name = StrictCharField(max_length=100)


@api_view("GET", "POST")
async def keys_view(request):
    caller = await authenticate_admin(request)
    if request.method == "GET":
        return ok(data=await db(keys.list_keys, caller.org_id))
    data = validate(KeyIn, json_body(request))
    return ok(key=await db(keys.create_key, caller.org_id, data["name"]))


@api_view("DELETE")
async def key_one(request, key_id: str):
    caller = await authenticate_admin(request)
    if len(key_id) > 40:
        raise NotFound("API key not found", field="id")
    return ok(key=await db(keys.revoke_key, caller.org_id, key_id))
