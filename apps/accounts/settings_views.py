"""The organisation's settings for its admins: the API (/api/org/settings) and the page (/org/settings/)."""

from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import gettext_lazy
from django.views.decorators.clickjacking import xframe_options_sameorigin

from apps.core.db import db
from apps.core.http import api_view, json_body, ok
from apps.core.validation import validate

from . import hours
from .auth import authenticate_admin
from .orgsettings import SettingsIn, read_settings, rotate_secret, update_settings
from .pages import CONSOLE_CSP, admin_page


@api_view("GET", "PATCH")
async def org_settings(request):
    """GET: the caller's org's settings; PATCH: change any of them (docs/settings.md)."""
    caller = await authenticate_admin(request)
    if request.method == "GET":
        return ok(**await db(read_settings, org_id=caller.org_id))
    changes = validate(SettingsIn, json_body(request))
    return ok(**await db(update_settings, org_id=caller.org_id, changes=changes))


@api_view("POST")
async def org_secret(request):
    """POST /api/org/settings/secret: a new identity-verification secret, shown in this answer only."""
    caller = await authenticate_admin(request)
    return ok(secret=await db(rotate_secret, org_id=caller.org_id))


DAY_NAMES = (
    gettext_lazy("Monday"),
    gettext_lazy("Tuesday"),
    gettext_lazy("Wednesday"),
    gettext_lazy("Thursday"),
    gettext_lazy("Friday"),
    gettext_lazy("Saturday"),
    gettext_lazy("Sunday"),
)


@admin_page
def settings_page(request, staff):
    """The form is filled and saved by static/org/settings.js through the API above."""
    days = list(zip(hours.DAYS, DAY_NAMES, strict=True))
    return render(request, "org/settings.html", {"staff": staff, "section": "settings", "days": days})


# The preview page is framed by the settings page (same origin only); everything else as the console's.
PREVIEW_CSP = CONSOLE_CSP.replace("frame-ancestors 'none'", "frame-ancestors 'self'")


@xframe_options_sameorigin
@admin_page
def widget_preview(request, staff):
    """The real widget script in preview mode: drawn from the unsaved settings the page around it sends."""
    response = render(request, "org/widget_preview.html", {"staff": staff})
    response["Content-Security-Policy"] = PREVIEW_CSP
    return response
