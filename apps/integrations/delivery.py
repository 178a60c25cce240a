"""Webhook deliveries: from the event log into an outbox in the database, and from there to the receivers.

- **Nothing due is lost.** Deliveries are made from the committed event log
  (the org sequence), not by the request that stored an event: for each active
  webhook, the events after its cursor that it subscribed to become delivery
  rows, and the cursor advances, in one transaction. A delivery row stays
  `pending` until a receiver answered 2xx, so a process that dies mid-request
  leaves it due, and the next worker sends it again (same `X-Horn-Delivery`
  id: receivers drop repeats by it).
- **One worker at a time**, like the event stream's relay: every process runs
  the loop, the holder of the lease `horn:webhooks:worker` does the work.
  Requests go out concurrently (HORN_WEBHOOK_CONCURRENCY), each with a
  timeout (HORN_WEBHOOK_TIMEOUT_S), redirects not followed.
- **Retries** back off exponentially with full jitter, from
  HORN_WEBHOOK_RETRY_BASE_MS up to an hour apart, for HORN_WEBHOOK_RETRY_WINDOW_S
  (25 hours) after the event; then the delivery is `failed` (replayable).
- **A receiver that keeps failing** (no 2xx for HORN_WEBHOOK_DISABLE_AFTER_S and at
  least 10 failures in a row) is switched off, its admins are e-mailed, and its
  pending deliveries wait in the log; an admin switches it on again.
"""

from __future__ import annotations

import asyncio
import logging
import random
import secrets
import time
from datetime import timedelta

import aiohttp
import orjson
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps.accounts.models import Staff
from apps.chats.models import OrgSequence
from apps.core.db import db
from apps.core.errors import UrlRefused
from apps.core.lease import Lease
from apps.realtime.replay import events_between

from . import envelope
from .models import Webhook, WebhookDelivery
from .webhooks import ALL, check_url, sign

log = logging.getLogger("horn.webhooks")

LEASE = "horn:webhooks:worker"
BATCH = 500
MAX_BACKOFF_S = 3600
ANSWER_READ = 64 * 1024
FAILURES_TO_DISABLE = 10


# --- events -> deliveries ----------------------------------------------------------------------


def make_deliveries() -> int:
    """For every active webhook behind its org's sequence: its next events become deliveries."""
    made = 0
    seqs = dict(OrgSequence.objects.values_list("org_id", "seq"))
    for hook_id, org_id, cursor in Webhook.objects.filter(active=True).values_list("pk", "org_id", "cursor"):
        if cursor < seqs.get(org_id, 0):
            made += _advance(hook_id, org_id, cursor + 1, min(seqs[org_id], cursor + BATCH))
    return made


def _advance(hook_id: int, org_id: int, first: int, last: int) -> int:
    events = events_between(org_id, first, last)  # numbers without a row were deleted by retention
    now = timezone.now()
    with transaction.atomic():
        hook = Webhook.objects.select_for_update().filter(pk=hook_id, active=True, cursor=first - 1).first()
        if hook is None:  # changed meanwhile (switched off, deleted, or advanced by another worker)
            return 0
        wanted = set(hook.events)
        rows = []
        for event in events:
            frame = envelope.for_event(event)
            name = frame["name"]
            if ALL not in wanted and name not in wanted:
                continue
            delivery_id = secrets.token_hex(16)
            body = {
                "id": delivery_id,
                "event": name,
                "created_at": frame["timestamp"],
                "org": org_id,
                "data": frame["payload"][name],
            }
            rows.append(
                WebhookDelivery(
                    id=delivery_id,
                    webhook=hook,
                    seq=event.seq,
                    event=name,
                    body=orjson.dumps(body).decode(),
                    next_attempt_at=now,
                    created_at=now,
                )
            )
        WebhookDelivery.objects.bulk_create(rows)
        hook.cursor = last
        hook.save(update_fields=["cursor"])
    return len(rows)


# --- sending -----------------------------------------------------------------------------------


def _due(limit: int) -> list[tuple[WebhookDelivery, Webhook]]:
    rows = (
        WebhookDelivery.objects.filter(
            state=WebhookDelivery.PENDING, next_attempt_at__lte=timezone.now(), webhook__active=True
        )
        .select_related("webhook")
        .order_by("next_attempt_at")[:limit]
    )
    return [(row, row.webhook) for row in rows]


_checked: dict[str, float] = {}  # URL -> when its last passed check lapses (monotonic)
CHECK_TTL_S = 30


async def _check(url: str) -> None:
    """check_url again (DNS may point elsewhere since the URL was saved), at most every CHECK_TTL_S per URL."""
    if _checked.get(url, 0) > time.monotonic():
        return
    await asyncio.to_thread(check_url, url)
    if len(_checked) > 1000:
        _checked.clear()
    _checked[url] = time.monotonic() + CHECK_TTL_S


async def _send(client: aiohttp.ClientSession, row: WebhookDelivery, hook: Webhook) -> tuple[int | None, str]:
    """(HTTP status or None, error text) of one attempt."""
    try:
        await _check(hook.url)
    except UrlRefused as refused:
        return None, refused.msg[:300]
    body = row.body.encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Horn-Webhooks/1",
        "X-Horn-Event": row.event,
        "X-Horn-Delivery": row.pk,
        "X-Horn-Signature": sign(hook.secret, body, int(timezone.now().timestamp())),
    }
    try:
        async with client.post(hook.url, data=body, headers=headers, allow_redirects=False) as response:
            status = response.status
            await response.content.read(ANSWER_READ)  # what a receiver says is not kept; a huge answer is cut off
    except TimeoutError:
        return None, f"no answer within {settings.HORN_WEBHOOK_TIMEOUT_S} s"
    except aiohttp.ClientError as exc:
        return None, (str(exc) or type(exc).__name__)[:300]
    if 200 <= status < 300:
        return status, ""
    return status, f"answered {status}"


def _backoff(attempts: int) -> timedelta:
    """Exponential, capped, with full jitter: receivers coming back are not hit by every retry at once."""
    ceiling = min(MAX_BACKOFF_S, settings.HORN_WEBHOOK_RETRY_BASE_MS / 1000 * 2 ** (attempts - 1))
    return timedelta(seconds=random.uniform(ceiling / 2, ceiling))


def record(results: list[tuple[str, int, int | None, str]]) -> list[int]:
    """Note each attempt (delivery id, webhook id, status, error); returns the webhooks that were switched off.

    One transaction, a few statements however many answers: the delivered ones in one UPDATE (per
    status), the failed ones read and written back together, each webhook touched at most once. A
    webhook with any success in the round is healthy again (its answers came concurrently: none of
    them is "after" another).
    """
    now = timezone.now()
    window = timedelta(seconds=settings.HORN_WEBHOOK_RETRY_WINDOW_S)
    delivered: dict[int | None, list[str]] = {}
    failed: dict[str, tuple[int, int | None, str]] = {}
    for delivery_id, hook_id, status, error in results:
        if error:
            failed[delivery_id] = (hook_id, status, error)
        else:
            delivered.setdefault(status, []).append(delivery_id)
    healthy = {hook_id for _, hook_id, _, error in results if not error}
    disabled = []
    with transaction.atomic():
        hooks = Webhook.objects.select_for_update().filter(pk__in={r[1] for r in results}).order_by("pk")
        hooks = {hook.pk: hook for hook in hooks}  # locked first, in one order: workers never deadlock
        for status, ids in delivered.items():
            WebhookDelivery.objects.filter(pk__in=ids).update(
                state=WebhookDelivery.DELIVERED,
                delivered_at=now,
                attempts=F("attempts") + 1,
                last_status=status,
                last_error="",
            )
        rows = list(WebhookDelivery.objects.select_for_update().filter(pk__in=failed)) if failed else []
        failures: dict[int, tuple[int, str]] = {}
        for row in rows:
            hook_id, status, error = failed[row.pk]
            row.attempts += 1
            row.last_status, row.last_error = status, error
            if now - row.created_at > window:
                row.state = WebhookDelivery.FAILED
            else:
                row.next_attempt_at = now + _backoff(row.attempts)
            count, _ = failures.get(hook_id, (0, ""))
            failures[hook_id] = (count + 1, error)
        if rows:
            WebhookDelivery.objects.bulk_update(
                rows, ["attempts", "last_status", "last_error", "state", "next_attempt_at"]
            )
        for hook in hooks.values():
            if hook.pk in healthy:
                if hook.consecutive_failures or hook.failing_since:
                    hook.consecutive_failures, hook.failing_since = 0, None
                    hook.save(update_fields=["consecutive_failures", "failing_since"])
                continue
            if hook.pk not in failures:
                continue
            count, error = failures[hook.pk]
            hook.consecutive_failures += count
            hook.failing_since = hook.failing_since or now
            sustained = now - hook.failing_since >= timedelta(seconds=settings.HORN_WEBHOOK_DISABLE_AFTER_S)
            if hook.active and sustained and hook.consecutive_failures >= FAILURES_TO_DISABLE:
                hook.active, hook.disabled_at = False, now
                hook.disabled_reason = f"no successful delivery since {hook.failing_since:%Y-%m-%d %H:%M} UTC ({error})"
                disabled.append(hook.pk)
            hook.save()
    return disabled


def notify_disabled(hook_id: int) -> None:
    """Tell the org's admins (by e-mail) that a webhook was switched off, and why."""
    hook = Webhook.objects.select_related("org").get(pk=hook_id)
    admins = Staff.objects.filter(org_id=hook.org_id, role=Staff.ADMIN, user__is_active=True)
    emails = [e for e in admins.values_list("user__email", flat=True) if e]
    log.warning("webhook %s of org %s switched off: %s", hook.pk, hook.org_id, hook.disabled_reason)
    if emails:
        send_mail(
            f"Horn: webhook to {hook.url} was switched off",
            f"Horn stopped calling {hook.url} for {hook.org.name}: {hook.disabled_reason}.\n\n"
            "Its deliveries are kept. Fix the receiver, then switch the webhook on again; "
            "replay what it missed from its delivery log.",
            None,
            emails,
            fail_silently=True,
        )


# --- the worker ----------------------------------------------------------------------------------


class Worker:
    def __init__(self) -> None:
        self.lease = Lease(LEASE)
        self.client: aiohttp.ClientSession | None = None

    async def _lead(self) -> bool:
        return (await self.lease.hold())[0]

    async def step(self) -> int:
        await db(make_deliveries)
        due = await db(_due, settings.HORN_WEBHOOK_CONCURRENCY)
        if not due:
            return 0
        if self.client is None:
            # aiohttp, not httpx: its connection pool costs little per request (httpx's drained a burst
            # at under half the rate on the same machine: docs/benchmark.md).
            self.client = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=settings.HORN_WEBHOOK_TIMEOUT_S),
                connector=aiohttp.TCPConnector(limit=settings.HORN_WEBHOOK_CONCURRENCY),
            )
        answers = await asyncio.gather(*(_send(self.client, row, hook) for row, hook in due))
        results = [(row.pk, hook.pk, status, error) for (row, hook), (status, error) in zip(due, answers, strict=True)]
        for hook_id in await db(record, results):
            await db(notify_disabled, hook_id)
        return len(due)

    async def run(self) -> None:
        try:
            while True:
                sent = 0
                if asyncio.current_task().cancelling():  # a cancel some library swallowed: stop all the same
                    raise asyncio.CancelledError
                try:
                    if await self._lead():
                        sent = await self.step()
                except asyncio.CancelledError:
                    raise
                except Exception:
                    if asyncio.current_task().cancelling():
                        raise asyncio.CancelledError from None
                    log.exception("webhook round failed")
                if not sent:  # busy: go straight on; idle: look again shortly
                    await asyncio.sleep(settings.HORN_EVENT_STREAM_PERIOD_MS / 1000)
        finally:
            if self.client is not None:
                await self.client.close()


_task: asyncio.Task | None = None


async def start() -> None:
    global _task
    if settings.HORN_WEBHOOKS and _task is None:
        _task = asyncio.get_running_loop().create_task(Worker().run())


async def stop() -> None:
    global _task
    task, _task = _task, None
    if task is not None:
        task.cancel()
        await asyncio.wait({task}, timeout=5)
