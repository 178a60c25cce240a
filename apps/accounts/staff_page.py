"""GET /org/staff/: the org admin's staff page. The table and its forms are drawn by static/org/staff.js
from the admin API (/api/org/staff), so the page and a script share one set of rules."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import render

from .pages import admin_page
from .team import MAX_CHATS


@admin_page
def staff_page(request, staff):
    context = {"staff": staff, "section": "staff", "max_chats": MAX_CHATS, "invite_hours": settings.HORN_INVITE_HOURS}
    return render(request, "org/staff.html", context)
