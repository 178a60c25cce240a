"""The ASGI application: HTTP (API, console, admin), the /ws websocket and the lifespan hooks.

Hot API paths (/api/, /pull, /monitor/) go to a Django handler *without* the
middleware stack. Under ASGI each of Django's stock middlewares hops to the one
sync thread twice per request, which caps a process at a few hundred requests
a second; the API views are async and authenticate themselves
(apps/accounts/auth.py), so they need none of it. Everything else (admin,
console pages) gets the full stack.
"""

from __future__ import annotations

import asyncio
import io
import os
import tempfile

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "horn.settings")

import django  # noqa: E402

django.setup(set_prefix=False)

from channels.routing import ProtocolTypeRouter  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler  # noqa: E402
from django.core.handlers.asgi import ASGIHandler  # noqa: E402
from django.core.handlers.exception import convert_exception_to_response  # noqa: E402

from apps.core.errors import FileTooLarge, PayloadTooLarge  # noqa: E402
from apps.core.http import json_response  # noqa: E402
from apps.integrations import delivery as webhook_delivery  # noqa: E402
from apps.integrations import stream as event_stream  # noqa: E402
from apps.integrations.botsocket import bot_socket  # noqa: E402
from apps.privacy import schedule as retention_schedule  # noqa: E402
from apps.realtime.consumers import push_socket  # noqa: E402
from apps.realtime.hub import hub  # noqa: E402
from apps.reports import rollups as report_rollups  # noqa: E402

API_PREFIXES = ("/api/", "/pull", "/monitor/", "/files/", "/images")
# Upload bodies may be as large as HORN_MAX_FILE_SIZE, times this for their encoding
# (base64 is 4/3 of the bytes), plus room for the multipart headers or JSON around them.
UPLOADS = {"/api/files": (1.0, "file"), "/images": (4 / 3, "image")}
UPLOAD_OVERHEAD = 64 * 1024


class ApiHandler(ASGIHandler):
    """Django's request/URL/view machinery for the async API views, without the per-request overhead.

    Measured on 2 cores: Django's stock ASGI path cost ~2.5 ms of CPU per
    /api/ping, most of it starting and joining a fresh thread per request
    (ThreadSensitiveContext) to run the sync request_started/finished signal
    receivers. The API views need none of that: they never touch the ORM on
    the event loop (DB work runs in apps.core.db's pool, which checks its own
    connections), they authenticate themselves and render their own errors.
    So: read the body, build the request, resolve, await the view, send.
    """

    def load_middleware(self, is_async=False):
        self._view_middleware = []
        self._template_response_middleware = []
        self._exception_middleware = []
        self._middleware_chain = convert_exception_to_response(self._get_response_async)

    async def __call__(self, scope, receive, send):
        if scope["method"] == "POST" and scope["path"] in UPLOADS:
            await self._upload(scope, receive, send)
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if len(body) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
                await self.send_response(json_response(PayloadTooLarge().body(), 413), send)
                return
            if not message.get("more_body", False):
                break
        request = self.request_class(scope, io.BytesIO(bytes(body)))
        await self._respond(scope, request, receive, send)

    async def _respond(self, scope, request, receive, send):
        if scope["path"] == "/pull":
            response = await self._unless_disconnected(request, receive)
            if response is None:
                return
        else:
            response = await self._middleware_chain(request)
        if not response.streaming and not response.has_header("Content-Length"):
            # What CommonMiddleware would add: clients need not parse chunked bodies.
            response["Content-Length"] = str(len(response.content))
        await self.send_response(response, send)

    async def _upload(self, scope, receive, send):
        """An upload's body, up to its own limit, spooled to a temporary file past FILE_UPLOAD_MAX_MEMORY_SIZE.

        A body announced larger than the limit is refused before a byte of it is read.
        """
        factor, field = UPLOADS[scope["path"]]
        limit = int(settings.HORN_MAX_FILE_SIZE * factor) + UPLOAD_OVERHEAD
        most = settings.HORN_MAX_FILE_SIZE
        error = FileTooLarge(f"file is larger than {most:,} bytes", field=field, max_size=most)
        too_large = json_response(error.body(), 413)
        origin = _header(scope, b"origin")
        if origin:
            # Refused before anyone is authenticated, so the org's allow-list is unknown; the body
            # is the same for everyone, and the widget needs to read it to tell the visitor why.
            too_large["Access-Control-Allow-Origin"] = origin.decode("latin-1")
            too_large["Vary"] = "Origin"
        length = _header(scope, b"content-length")
        if length and length.isdigit() and int(length) > limit:
            await self.send_response(too_large, send)
            return
        body = tempfile.SpooledTemporaryFile(max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE)
        try:
            size = 0
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > limit:  # no or a false Content-Length
                    await self.send_response(too_large, send)
                    return
                body.write(chunk)
                if not message.get("more_body", False):
                    break
            body.seek(0)
            request = self.request_class(scope, body)
            try:
                await self._respond(scope, request, receive, send)
            finally:
                request.close()  # removes the parsed file's temporary copy at once
        finally:
            body.close()

    async def _unless_disconnected(self, request, receive):
        """A long-poll whose client hangs up is dropped at once, not held to its timeout."""
        view = asyncio.create_task(self._middleware_chain(request))
        hangup = asyncio.create_task(receive())
        await asyncio.wait({view, hangup}, return_when=asyncio.FIRST_COMPLETED)
        if view.done():
            hangup.cancel()
            return view.result()
        view.cancel()
        return None


def _header(scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return value
    return None


_api = ApiHandler()
_site = ASGIHandler()
if settings.HORN_SERVE_STATIC:
    # widget.js, console and admin assets straight from the app; behind a CDN
    # or reverse proxy, set HORN_SERVE_STATIC=0 and serve STATIC_ROOT there.
    _site = ASGIStaticFilesHandler(_site)


async def http(scope, receive, send):
    handler = _api if scope["path"].startswith(API_PREFIXES) else _site
    await handler(scope, receive, send)


async def lifespan(scope, receive, send):
    """Start the push hub (with the node's registration), the event-stream relay, the webhook worker and the
    retention schedule (apps/privacy/schedule.py) and the folding of report roll-ups (apps/reports/rollups.py).

    With HORN_GRPC_PORT, the Support gRPC service (apps/grpcapi) runs beside them on this
    worker's event loop, and stops first, gracefully.
    """
    grpc_server = retention = folding = None
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await hub.start()
            await event_stream.start()
            await webhook_delivery.start()
            retention = asyncio.create_task(retention_schedule.loop())
            folding = asyncio.create_task(report_rollups.loop())
            if settings.HORN_GRPC_PORT:
                from apps.grpcapi import server as grpc_api

                grpc_server = await grpc_api.start(settings.HORN_GRPC_HOST, settings.HORN_GRPC_PORT)
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            if grpc_server is not None:
                await grpc_server.stop()
            if retention is not None:
                retention.cancel()
            if folding is not None:
                folding.cancel()
            await webhook_delivery.stop()
            await event_stream.stop()
            await hub.stop()
            await send({"type": "lifespan.shutdown.complete"})
            return


async def websocket(scope, receive, send):
    if scope["path"] == "/ws":
        await push_socket(scope, receive, send)
        return
    if scope["path"] == "/bot":
        await bot_socket(scope, receive, send)
        return
    await receive()  # websocket.connect
    await send({"type": "websocket.close", "code": 4404})


application = ProtocolTypeRouter({"http": http, "websocket": websocket, "lifespan": lifespan})
