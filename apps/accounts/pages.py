"""Server-rendered pages (full middleware stack): the console shell and the widget demo shop."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseForbidden
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie

from .models import Organisation, Staff

# The console shows visitors' text, file names and page titles: if any of it ever reached the DOM
# as markup, this policy still runs no inline or foreign script. Images and push may live on
# another host (HORN_PUBLIC_URL, a push node's `addr`), so those two allow any http(s)/ws(s).
CONSOLE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' http: https:; "
    "connect-src 'self' http: https: ws: wss:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'"
)


@login_required
@ensure_csrf_cookie
def console(request):
    staff = Staff.objects.select_related("org").filter(user=request.user).first()
    if staff is None:
        return HttpResponseForbidden("not a staff member of any organisation")
    response = render(request, "console/home.html", {"staff": staff})
    response["Content-Security-Policy"] = CONSOLE_CSP
    return response


def admin_page(view):
    """An organisation admin's page (/org/...): logged in, staff of an org, with the admin role.

    The view is called as view(request, staff, ...). Anyone else gets a 403 page that says why;
    the console's CSP applies to these pages too.
    """

    @login_required
    @ensure_csrf_cookie
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        staff = Staff.objects.select_related("org").filter(user=request.user).first()
        if staff is None or staff.role != Staff.ADMIN:
            return render(request, "org/forbidden.html", {"staff": staff}, status=403)
        response = view(request, staff, *args, **kwargs)
        if "Content-Security-Policy" not in response:  # a page may set its own (the widget preview)
            response["Content-Security-Policy"] = CONSOLE_CSP
        return response

    return wrapped


DEMO_ORG = "Demo"  # the org `horn_demo` (and so `make run`) creates


def demo(request):
    """GET /demo/: a sample shop with the widget on it, for the demo org, so a newcomer has something to click.

    The widget talks to the origin the page was loaded from (Horn's own, always allowed), so the
    page works at whatever address Horn is reached by, not only at HORN_PUBLIC_URL.
    """
    org = Organisation.objects.filter(name=DEMO_ORG).only("pk").first()
    origin = f"{request.scheme}://{request.get_host()}"
    return render(request, "demo/shop.html", {"org": org, "origin": origin}, status=200 if org else 503)
