"""POST /api/files and GET /files/{id}/{name}; seed 003's POST /images and GET /images/{id}.

Uploads are read by horn/asgi.py into a spooled temporary file under their own
size limit; parsing the body (multipart or base64) runs on a thread, since
for a 25 MB body it is real work. Served bytes stream from storage with
headers that keep a browser from running anything in them.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import io
from collections.abc import AsyncIterator
from typing import BinaryIO
from urllib.parse import quote

import orjson
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import StreamingHttpResponse
from django.http.multipartparser import MultiPartParserError

from apps.accounts.auth import authenticate, authenticate_bot
from apps.core import ids
from apps.core.db import db
from apps.core.errors import BadFile, BadId, BadJSON, InvalidValue, MissingField, NotFound, UnknownField
from apps.core.http import api_view, json_response, ok, query
from apps.guard import ratelimit

from .actions import Incoming, upload_file, upload_image, upload_storage
from .models import Upload
from .selectors import find_upload, serves

CHUNK = 256 * 1024  # bytes per storage read while streaming: few thread hops, little memory
# Ids never change what they point at, so a year of caching is safe, also in shared caches.
CACHE_CONTROL = "public, max-age=31536000, immutable"
CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox"  # lets a browser show an image, runs nothing


@api_view("POST")
async def upload(request):
    chat_id = query(request, "chat", required=True)
    if not ids.is_chat_id(chat_id):
        raise BadId("chat is not a chat id", field="chat")
    caller = await authenticate(request)
    await ratelimit.check(request, caller, "files")
    incoming = await asyncio.to_thread(_multipart_file, request)
    stored = await upload_file(caller, chat_id=chat_id, incoming=incoming)
    return ok(file=stored.as_dict())


@api_view("POST")
async def upload_b64_image(request):
    caller = await authenticate_bot(request)
    await ratelimit.check(request, caller, "files")
    incoming = await asyncio.to_thread(_base64_image, request)
    stored = await upload_image(caller, incoming=incoming)
    response = json_response({"code": 0, "msg": "ok", "id": stored.id, "src": stored.src}, status=201)
    response["Location"] = stored.src
    return response


@api_view("GET")
async def download(request, upload_id: str, name: str):
    return await _serve(upload_id, name)


@api_view("GET")
async def image(request, upload_id: str):
    return await _serve(upload_id, None)


def _multipart_file(request) -> Incoming:
    if request.content_type != "multipart/form-data":
        raise InvalidValue("send multipart/form-data with one field `file`", field="file")
    try:
        files = request.FILES
    except (MultiPartParserError, RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent) as exc:
        raise InvalidValue(f"malformed multipart body: {exc}", field="file") from None
    found = files.getlist("file")
    if not found:
        if "file" in request.POST:  # a plain field, not a file part
            raise InvalidValue("file must be a file part (with a filename)", field="file")
        raise MissingField("file is required", field="file")
    extra = [name for name in files if name != "file"]
    if len(found) > 1 or extra:
        raise UnknownField("send exactly one file, in the field `file`", field=extra[0] if extra else "file")
    part = found[0]
    return Incoming(part.file, part.size, part.name or "", part.content_type or "")


def _base64_image(request) -> Incoming:
    try:
        data = orjson.loads(request.read())
    except orjson.JSONDecodeError:
        raise BadJSON("request body is not valid JSON") from None
    if not isinstance(data, dict):
        raise BadJSON()
    for key in data:
        if key != "image":
            raise UnknownField(f"unknown field {key[:40]!r}", field=key[:100])
    encoded = data.get("image")
    if encoded is None:
        raise MissingField("image is required", field="image")
    if not isinstance(encoded, str):
        raise InvalidValue("image must be a base64 string", field="image")
    if encoded.startswith("data:"):  # a data URL's prefix, as browsers' FileReader gives it
        encoded = encoded.partition(",")[2]
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidValue("image is not valid base64", field="image") from None
    if not raw:
        raise BadFile("image is empty", field="image")
    return Incoming(io.BytesIO(raw), len(raw), "image")


async def _serve(upload_id: str, name: str | None) -> StreamingHttpResponse:
    upload = await db(find_upload, upload_id)
    if upload is None or not serves(upload, name):
        raise NotFound("no such file")
    try:
        stream = await asyncio.to_thread(upload_storage().open, upload.storage_name, "rb")
    except FileNotFoundError:
        raise NotFound("no such file") from None
    response = StreamingHttpResponse(_chunks(stream), content_type=upload.content_type)
    response["Content-Length"] = str(upload.size)
    response["Content-Disposition"] = _disposition(upload)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = CSP
    response["Cache-Control"] = CACHE_CONTROL
    # The widget shows images on the org's own site, another origin: let cross-origin pages embed them.
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    response["Referrer-Policy"] = "no-referrer"  # the URL is the secret: never pass it on
    return response


def _disposition(upload: Upload) -> str:
    """Images inline (re-encoded, safe to show); everything else a download, never rendered."""
    kind = "inline" if upload.is_image else "attachment"
    ascii_name = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in upload.name)
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(upload.name, safe='')}"


async def _chunks(stream: BinaryIO) -> AsyncIterator[bytes]:
    try:
        while chunk := await asyncio.to_thread(stream.read, CHUNK):
            yield chunk
    finally:
        await asyncio.to_thread(stream.close)
