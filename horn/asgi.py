"""The ASGI application: HTTP (API, console, admin) and, later, websockets.

Hot API paths (/api/, /pull, /monitor/) go to a Django handler *without* the
middleware stack. Under ASGI each of Django's stock middlewares hops to the one
sync thread twice per request, which caps a process at a few hundred requests
a second; the API views are async and authenticate themselves
(apps/accounts/auth.py), so they need none of it. Everything else (admin,
console pages) gets the full stack.
"""
from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "horn.settings")

import django  # noqa: E402

django.setup(set_prefix=False)

from channels.routing import ProtocolTypeRouter  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler  # noqa: E402
from django.core.handlers.asgi import ASGIHandler  # noqa: E402
from django.core.handlers.exception import convert_exception_to_response  # noqa: E402

API_PREFIXES = ("/api/", "/pull", "/monitor/")


class ApiHandler(ASGIHandler):
    """Django's ASGI handler with no middleware: URL resolution straight to async views."""

    def load_middleware(self, is_async=False):
        self._view_middleware = []
        self._template_response_middleware = []
        self._exception_middleware = []
        self._middleware_chain = convert_exception_to_response(self._get_response_async)


_api = ApiHandler()
_site = ASGIHandler()
if settings.HORN_SERVE_STATIC:
    # widget.js, console and admin assets straight from the app; behind a CDN
    # or reverse proxy, set HORN_SERVE_STATIC=0 and serve STATIC_ROOT there.
    _site = ASGIStaticFilesHandler(_site)


async def http(scope, receive, send):
    handler = _api if scope["path"].startswith(API_PREFIXES) else _site
    await handler(scope, receive, send)


application = ProtocolTypeRouter({"http": http})
