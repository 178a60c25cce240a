"""Pages for people without a session: set a password from a link, ask for a reset, sign up (HORN_SIGNUP).

Server-rendered forms through the full middleware stack (CSRF, sessions). A refused link is a page
that says why, with 400 (forged) or 410 (expired, used), and changes nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from apps.core.errors import HornError, page_sentence

from . import links, team
from .pages import CONSOLE_CSP


def _page(request, template: str, context: dict | None = None, status: int = 200):
    response = render(request, template, context or {}, status=status)
    response["Content-Security-Policy"] = CONSOLE_CSP
    # The token is in this page's URL: no other site may ever see it in a Referer. (Not "no-referrer":
    # Chromium then sends `Origin: null` with the form, and Django's CSRF check rightly refuses it.)
    response["Referrer-Policy"] = "same-origin"
    return response


@require_http_methods(["GET", "POST"])
def set_password(request, token: str):
    """GET /set-password/<token>/: the form; POST: set the password and spend the link."""
    try:
        link = links.check(token)
    except HornError as exc:
        return _page(request, "registration/link_refused.html", {"reason": page_sentence(exc)}, exc.status)
    context = {"username": link.user.username, "invite": link.purpose == link.INVITE}
    if request.method == "GET":
        return _page(request, "registration/set_password.html", context)
    password, again = request.POST.get("password", ""), request.POST.get("password_again", "")
    if password != again:
        errors = [gettext("The passwords differ.")]
        return _page(request, "registration/set_password.html", {**context, "errors": errors}, 400)
    try:
        links.set_password(token, password)
    except ValidationError as exc:
        return _page(request, "registration/set_password.html", {**context, "errors": exc.messages}, 400)
    except HornError as exc:  # spent or expired between the check and the lock
        return _page(request, "registration/link_refused.html", {"reason": page_sentence(exc)}, exc.status)
    return _page(request, "registration/password_set.html", context)


@require_http_methods(["GET", "POST"])
def forgot_password(request):
    """GET /password-reset/: ask for an address; POST: the same answer whether or not it has an account."""
    if request.method == "GET":
        return _page(request, "registration/forgot_password.html")
    team.ask_reset(request.POST.get("email", "")[:254])
    return _page(request, "registration/reset_sent.html")


@require_http_methods(["GET", "POST"])
def signup(request):
    """GET/POST /signup/ (only with HORN_SIGNUP): a new organisation and its first admin, who gets a link by mail.

    An address that already has an account gets the same page (and its owner a mail saying so)."""
    if not settings.HORN_SIGNUP:
        raise Http404("sign-up is not open on this server")
    if request.method == "GET":
        return _page(request, "registration/signup.html")
    form = {key: request.POST.get(key, "")[:300] for key in ("org", "name", "email")}
    try:
        team.sign_up(name=form["org"], email=form["email"], admin_name=form["name"])
    except HornError as exc:
        return _page(request, "registration/signup.html", {"form": form, "error": page_sentence(exc)}, exc.status)
    return _page(request, "registration/signup_done.html", {"email": form["email"].strip()})
