"""A staff member deactivated (or deleted), or a bot whose key is revoked, is out at once, in every process.

When a Django user linked to a Staff becomes inactive (admin, code) or the
Staff goes, a broadcast after the commit reaches each process's hub
(apps.realtime.publish.broadcast), which there closes that staff member's open
sockets (a `{code: 2002, msg}` control frame, then close 4401), answers their
pending long-polls with the same error, and forgets their cached API token
(apps.accounts.auth), so the next call gets 401 rather than a few seconds of
grace. The session path queries the user on every call, so it needs nothing.
A `QuerySet.update(is_active=False)` sends no signal: it is caught by the
token cache's TTL and the next call, as before. A bot deactivated or deleted
(its API key revoked) goes the same way: its /ws and /bot sockets close (4401).

A Staff row saved (a role changed by an admin) is broadcast the same way, with
a lighter effect: each process forgets the cached caller, so the new role
counts from the next call; connections stay open.
"""

from __future__ import annotations

from django.db import transaction

from apps.core.errors import BadToken

NOTICE = "horn.staff_out"
CHANGED = "horn.staff_changed"
STAFF, BOT = "staff", "bot"
WHY = {STAFF: "this staff account was deactivated", BOT: "this bot's API key was revoked"}


def notice(org_id: int, sid: str, role: str = STAFF) -> dict:
    return {"type": NOTICE, "org": org_id, "sid": sid, "role": role}


def on_notice(message: dict) -> None:
    """In every process: drop the staff member's (or bot's) cached token; close their connections here."""
    from apps.accounts.auth import forget_caller
    from apps.realtime.hub import hub

    role = message.get("role", STAFF)
    forget_caller(message["sid"])
    for sub in hub.subscribers(message["org"]):
        if sub.caller.role == role and sub.caller.uid == message["sid"]:
            sub.kick(BadToken(WHY[role]))


def on_changed(message: dict) -> None:
    """In every process: the staff member's next call reads their row (role) again."""
    from apps.accounts.auth import forget_caller

    forget_caller(message["sid"])


def staff_out(org_id: int, sid: str, role: str = STAFF) -> None:
    """Publish, once the current transaction commits (at once outside one)."""
    from apps.realtime.publish import broadcast_soon

    transaction.on_commit(lambda: broadcast_soon(notice(org_id, sid, role)))


def _staff_saved(sender, instance, created: bool, **kwargs) -> None:
    if created:
        return
    from apps.realtime.publish import broadcast_soon

    message = {**notice(instance.org_id, instance.sid), "type": CHANGED}
    transaction.on_commit(lambda: broadcast_soon(message))


def _user_saved(sender, instance, **kwargs) -> None:
    if instance.is_active:
        return
    from apps.accounts.models import Staff

    found = Staff.objects.filter(user_id=instance.pk).values_list("org_id", "sid").first()
    if found is not None:
        staff_out(*found)


def _staff_deleted(sender, instance, **kwargs) -> None:
    staff_out(instance.org_id, instance.sid)


def _bot_deleted(sender, instance, **kwargs) -> None:
    staff_out(instance.org_id, instance.bid, BOT)


def _bot_saved(sender, instance, **kwargs) -> None:
    if not instance.is_active:
        staff_out(instance.org_id, instance.bid, BOT)


def register() -> None:
    from django.contrib.auth import get_user_model
    from django.db.models.signals import post_delete, post_save

    from apps.accounts.models import Bot, Staff
    from apps.realtime.hub import hub

    hub.on(NOTICE, on_notice)
    hub.on(CHANGED, on_changed)
    post_save.connect(_staff_saved, sender=Staff, dispatch_uid="horn.staff_changed.staff")
    post_save.connect(_user_saved, sender=get_user_model(), dispatch_uid="horn.staff_out.user")
    post_delete.connect(_staff_deleted, sender=Staff, dispatch_uid="horn.staff_out.staff")
    post_save.connect(_bot_saved, sender=Bot, dispatch_uid="horn.staff_out.bot")
    post_delete.connect(_bot_deleted, sender=Bot, dispatch_uid="horn.staff_out.bot_deleted")
