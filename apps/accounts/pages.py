"""Server-rendered pages (full middleware stack): the console shell and the widget demo shop."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseForbidden
from django.shortcuts import render

from .models import Organisation, Staff


@login_required
def console(request):
    staff = Staff.objects.select_related("org").filter(user=request.user).first()
    if staff is None:
        return HttpResponseForbidden("not a staff member of any organisation")
    return render(request, "console/home.html", {"staff": staff})


DEMO_ORG = "Demo"  # the org `horn_demo` (and so `make run`) creates


def demo(request):
    """GET /demo/: a sample shop with the widget on it, for the demo org, so a newcomer has something to click.

    The widget talks to the origin the page was loaded from (Horn's own, always allowed), so the
    page works at whatever address Horn is reached by, not only at HORN_PUBLIC_URL.
    """
    org = Organisation.objects.filter(name=DEMO_ORG).only("pk").first()
    origin = f"{request.scheme}://{request.get_host()}"
    return render(request, "demo/shop.html", {"org": org, "origin": origin}, status=200 if org else 503)
