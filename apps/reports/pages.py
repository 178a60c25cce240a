"""The admin pages /org/reports/ and /org/live/: server-rendered shells, filled by static/org/*.js."""

from __future__ import annotations

from django.shortcuts import render

from apps.accounts.models import Staff
from apps.accounts.pages import admin_page
from apps.chats.models import Chat

from .period import MAX_DAYS
from .tables import DEFAULT_QUEUE


@admin_page
def reports(request, staff: Staff):
    org = staff.org
    agents = Staff.objects.filter(org=org).order_by("name", "sid").values_list("sid", "name")
    # Queue names come from the chats (index org, queue, created_at); the unnamed one is "default".
    queues = Chat.objects.filter(org=org).order_by("queue").values_list("queue", flat=True).distinct()
    context = {
        "staff": staff,
        "section": "reports",
        "agents": list(agents),
        "queues": [q or DEFAULT_QUEUE for q in queues],
        "max_days": MAX_DAYS,
        "business_hours": bool(org.business_hours),
    }
    return render(request, "org/reports.html", context)


@admin_page
def live(request, staff: Staff):
    return render(request, "org/live.html", {"staff": staff, "section": "live"})
