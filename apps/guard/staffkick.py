"""A staff member deactivated (or deleted) is out at once, in every process.

When a Django user linked to a Staff becomes inactive (admin, code) or the
Staff goes, a broadcast after the commit reaches each process's hub
(apps.realtime.publish.broadcast), which there closes that staff member's open
sockets (a `{code: 2002, msg}` control frame, then close 4401), answers their
pending long-polls with the same error, and forgets their cached API token
(apps.accounts.auth), so the next call gets 401 rather than a few seconds of
grace. The session path queries the user on every call, so it needs nothing.
A `QuerySet.update(is_active=False)` sends no signal: it is caught by the
token cache's TTL and the next call, as before.

A Staff row saved (a role changed by an admin) is broadcast the same way, with
a lighter effect: each process forgets the cached caller, so the new role
counts from the next call; connections stay open.
"""

from __future__ import annotations

from django.db import transaction

from apps.core.errors import BadToken

NOTICE = "horn.staff_out"
CHANGED = "horn.staff_changed"
STAFF = "staff"


def notice(org_id: int, sid: str) -> dict:
    return {"type": NOTICE, "org": org_id, "sid": sid}


def on_notice(message: dict) -> None:
    """In every process: drop the staff member's cached token; close their connections here."""
    from apps.accounts.auth import forget_caller
    from apps.realtime.hub import hub

    forget_caller(message["sid"])
    for sub in hub.subscribers(message["org"]):
        if sub.caller.role == STAFF and sub.caller.uid == message["sid"]:
            sub.kick(BadToken("this staff account was deactivated"))


def on_changed(message: dict) -> None:
    """In every process: the staff member's next call reads their row (role) again."""
    from apps.accounts.auth import forget_caller

    forget_caller(message["sid"])


def staff_out(org_id: int, sid: str) -> None:
    """Publish, once the current transaction commits (at once outside one)."""
    from apps.realtime.publish import broadcast_soon

    transaction.on_commit(lambda: broadcast_soon(notice(org_id, sid)))


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


def register() -> None:
    from django.contrib.auth import get_user_model
    from django.db.models.signals import post_delete, post_save

    from apps.accounts.models import Staff
    from apps.realtime.hub import hub

    hub.on(NOTICE, on_notice)
    hub.on(CHANGED, on_changed)
    post_save.connect(_staff_saved, sender=Staff, dispatch_uid="horn.staff_changed.staff")
    post_save.connect(_user_saved, sender=get_user_model(), dispatch_uid="horn.staff_out.user")
    post_delete.connect(_staff_deleted, sender=Staff, dispatch_uid="horn.staff_out.staff")
