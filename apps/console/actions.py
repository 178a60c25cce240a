"""Domain actions of the console: canned responses (list, add, change, delete).

Every action takes the staff caller and touches only rows of the caller's
organisation that the caller may see: shared ones and their own. Anything
else, another org's or a colleague's personal response, is "not found", the
same answer as for an id that never existed.

Shared responses may be changed by any staff member of the org for now;
roles (issue 13) will narrow that to administrators.
"""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q

from apps.accounts.auth import Caller
from apps.core.errors import InvalidValue, NotFound

from .models import CannedResponse


def describe(row: CannedResponse) -> dict:
    return {
        "id": row.pk,
        "shortcut": row.shortcut,
        "text": row.text,
        "shared": row.owner_id is None,
        "updated_at": int(row.updated_at.timestamp()),
    }


def _visible(caller: Caller):
    return CannedResponse.objects.filter(org_id=caller.org_id).filter(Q(owner__isnull=True) | Q(owner_id=caller.uid))


def list_canned(caller: Caller) -> list[dict]:
    """Personal ones first, so a personal /hi wins over the org's /hi in the picker."""
    rows = _visible(caller).order_by("owner_id", "shortcut")
    mine = [describe(r) for r in rows if r.owner_id is not None]
    return mine + [describe(r) for r in rows if r.owner_id is None]


def _get(caller: Caller, canned_id: int) -> CannedResponse:
    row = _visible(caller).select_for_update().filter(pk=canned_id).first()
    if row is None:
        raise NotFound("canned response not found", field="id")
    return row


def _save(row: CannedResponse) -> None:
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        scope = "shared" if row.owner_id is None else "personal"
        raise InvalidValue(f"you already have a {scope} /{row.shortcut}", field="shortcut") from None


def add_canned(caller: Caller, shortcut: str, text: str, shared: bool) -> dict:
    with transaction.atomic():
        owner = None if shared else caller.uid
        scope = CannedResponse.objects.filter(org_id=caller.org_id, owner_id=owner)
        # A bound per scope: the picker lists them all, and a runaway script should not fill the table.
        if scope.count() >= settings.HORN_CANNED_MAX:
            raise InvalidValue(f"at most {settings.HORN_CANNED_MAX} canned responses per scope", field="shared")
        row = CannedResponse(org_id=caller.org_id, owner_id=owner, scope=owner or "", shortcut=shortcut, text=text)
        _save(row)
    return describe(row)


def change_canned(caller: Caller, canned_id: int, changes: dict) -> dict:
    with transaction.atomic():
        row = _get(caller, canned_id)
        for name in ("shortcut", "text"):
            if name in changes:
                setattr(row, name, changes[name])
        _save(row)
    return describe(row)


def delete_canned(caller: Caller, canned_id: int) -> None:
    with transaction.atomic():
        _get(caller, canned_id).delete()
