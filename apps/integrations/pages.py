"""GET /org/integrations/: the org admin's API keys and webhooks, drawn by static/org/integrations.js
from the admin API (/api/keys, /api/webhooks), so the page and a script share one set of rules."""

from __future__ import annotations

import json

from django.shortcuts import render

from apps.accounts.pages import admin_page

from .webhooks import ALL, EVENT_NAMES


@admin_page
def integrations_page(request, staff):
    events = json.dumps([ALL, *sorted(EVENT_NAMES)])
    return render(request, "org/integrations.html", {"staff": staff, "section": "integrations", "events": events})
