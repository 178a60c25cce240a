"""/org/privacy/: an admin sets retention, exports or erases one visitor's data and reads the audit trail.

Server-rendered forms over the same actions as the API; an error is shown on
the page with what to do, with the API's status code.
"""

from __future__ import annotations

from asgiref.sync import async_to_sync
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from apps.accounts.auth import STAFF, Caller
from apps.accounts.pages import admin_page
from apps.core.errors import HornError, InvalidValue, page_message
from apps.core.http import json_response

from . import audit, retention, subjects
from .erase import erase as erase_subject
from .export import export as export_subject
from .models import MAX_DAYS, MIN_DAYS
from .views import page_number


def _caller(staff) -> Caller:
    return Caller(uid=staff.sid, role=STAFF, org_id=staff.org_id, name=staff.name, admin=True)


@admin_page
def privacy(request, staff):
    notice, error, status = "", "", 200
    try:
        if request.method == "POST" and request.POST.get("action") == "export":
            return _download(request, _caller(staff))
        if request.method == "POST":
            notice = _post(request, _caller(staff))
        number = page_number(request.GET.get("page"))
    except HornError as exc:
        error, status, number = page_message(exc), exc.status, 1
    return _render(request, staff, number, notice=notice, error=error, status=status)


def _post(request, caller: Caller) -> str:
    if request.POST.get("action") == "retention":
        days = retention.set_days(caller, _days(request.POST.get("days", "")))
        if not days:
            return gettext("Saved: everything is kept.")
        return gettext("Saved: chats and page views are kept for %(days)s days.") % {"days": days}
    if request.POST.get("action") == "erase":
        subject = _subject(request)
        if request.POST.get("confirm") != "yes":
            raise InvalidValue(gettext_noop("tick the box to confirm: an erasure cannot be undone"), field="confirm")
        done = async_to_sync(erase_subject)(caller, subject)
        if subject.uid is not None:
            erased = gettext(
                "Erased visitor %(who)s: messages redacted: %(messages)s, files deleted: %(files)s, "
                "page views deleted: %(page_views)s."
            )
        else:
            erased = gettext(
                "Erased customer %(who)s: messages redacted: %(messages)s, files deleted: %(files)s, "
                "page views deleted: %(page_views)s."
            )
        return erased % {"who": subject.uid or subject.customer, **done}
    raise InvalidValue(gettext_noop("unknown action"), field="action")


def _days(raw: str) -> int | None:
    raw = raw.strip()
    if not raw:
        return None
    if not raw.isdigit():
        why = gettext("retention must be a whole number of days (%(min)s to %(max)s)")
        raise InvalidValue(why % {"min": MIN_DAYS, "max": MAX_DAYS}, field="days")
    return int(raw)


def _subject(request) -> subjects.Subject:
    return subjects.parse(request.POST.get("uid", "").strip(), request.POST.get("customer", "").strip())


def _download(request, caller: Caller) -> HttpResponse:
    """The export as a JSON file download (a POST: it is audited, and carries the CSRF token)."""
    response = json_response(export_subject(caller, _subject(request)))
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="horn-export-{stamp}.json"'
    return response


def _details(details: dict) -> list[tuple[str, str]]:
    """An entry's details as "key: value" pairs for the page (lists joined, None as "keep everything")."""
    shown = {None: gettext("keep everything")}
    return [
        (key, ", ".join(map(str, value)) if isinstance(value, list) else shown.get(value, str(value)))
        for key, value in details.items()
    ]


def _render(request, staff, number: int, *, notice: str = "", error: str = "", status: int = 200) -> HttpResponse:
    rows, more = audit.page(staff.org_id, number)
    context = {
        "staff": staff,
        "section": "privacy",
        "days": retention.get_days(staff.org_id),
        "min_days": MIN_DAYS,
        "max_days": MAX_DAYS,
        "entries": [(e, _details(e.details)) for e in rows],
        "page": number,
        "older": number + 1 if more else None,
        "newer": number - 1 if number > 1 else None,
        "notice": notice,
        "error": error,
        "uid": request.POST.get("uid", ""),
        "customer": request.POST.get("customer", ""),
    }
    return render(request, "org/privacy.html", context, status=status)
