"""Reads of uploads: for serving them, and for `file`/`image` messages that point at them."""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from django.conf import settings

from apps.core.errors import InvalidValue, NotFound

from .models import ID_LEN, Upload

UPLOAD_ID = re.compile(rf"[A-Za-z0-9_-]{{{ID_LEN}}}")
COLUMNS = ("id", "org_id", "source", "name", "size", "content_type", "width", "height", "storage_name")


def find_upload(upload_id: str) -> Upload | None:
    """Any org's upload by id (serving: the unguessable id is the permission)."""
    if not UPLOAD_ID.fullmatch(upload_id):
        return None
    return Upload.objects.filter(pk=upload_id).only(*COLUMNS).first()


def parse_src(src: str, field: str) -> tuple[str, str | None]:
    """(id, name or None) of a Horn src, `{public}/files/{id}/{name}` or `{public}/images/{id}`; else 400."""
    public = urlsplit(settings.HORN_PUBLIC_URL)
    parts = urlsplit(src)
    if (parts.scheme, parts.netloc) != (public.scheme, public.netloc) or parts.query or parts.fragment:
        raise InvalidValue(f"src must be the src of an upload to {settings.HORN_PUBLIC_URL}", field=field)
    path = parts.path.removeprefix(public.path.rstrip("/"))
    match = re.fullmatch(r"/files/([^/]+)/([^/]+)|/images/([^/]+)", path)
    if match is None:
        raise InvalidValue("src must be the src of an upload (/files/... or /images/...)", field=field)
    upload_id = match.group(1) or match.group(3)
    if not UPLOAD_ID.fullmatch(upload_id):
        raise NotFound("no such upload", field=field)
    return upload_id, unquote(match.group(2)) if match.group(2) else None


def attachment(org_id: int, type_: str, src: str) -> dict:
    """The stored body of a `file` or `image` message pointing at `src`: what the upload says, not the client.

    One primary-key read. Another org's upload is "not found", like a missing one.
    """
    field = f"{type_}.src"
    upload_id, name = parse_src(src, field)
    upload = Upload.objects.filter(pk=upload_id, org_id=org_id).only(*COLUMNS).first()
    if upload is None or not serves(upload, name):
        raise NotFound("no such upload", field=field)
    if type_ == "image":
        if not upload.is_image:
            raise InvalidValue("an image message must point at an image upload", field=field)
        return {"src": upload.src, "width": upload.width, "height": upload.height, "size": upload.size}
    return {"name": upload.name, "src": upload.src, "size": upload.size}


def serves(upload: Upload, name: str | None) -> bool:
    """/files/{id}/{name} needs the upload's own name; /images/{id} is for images only."""
    return upload.name == name if name is not None else upload.is_image
