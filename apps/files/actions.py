"""Uploading: one action per endpoint, each checks, reads the bytes for what they are, stores, records.

`upload_file` (POST /api/files) and `upload_image` (POST /images) share the
steps: the size against the server's and the org's limit, (for a chat) the
caller's membership and (for a visitor) the upload budget, then the bytes are
sniffed and, if an image, re-encoded (`prepare`), written through the
`uploads` storage and recorded as an `Upload` row. On any error nothing
stays: bytes whose row could not be written are deleted again, and the budget
is given back. Uploading posts no message; the client sends a `file` or
`image` message with the returned `src`.
"""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass
from typing import BinaryIO

from django.conf import settings
from django.core.files import File
from django.core.files.storage import storages

from apps.accounts.auth import Caller
from apps.accounts.orgs import OrgInfo, get_org
from apps.chats.models import Chat, ChatMember
from apps.core.db import db
from apps.core.errors import BadFile, ChatEnded, FileTooLarge, NotFound, NotMember, UnsupportedFileType

from . import budget, images, sniff
from .models import Upload, new_upload_id
from .names import clean_name, with_extension


@dataclass(frozen=True, slots=True)
class Incoming:
    """The bytes a client sent, as the view received them (a seekable file, in memory or spooled to disk)."""

    file: BinaryIO
    size: int
    name: str = ""
    declared_type: str = ""  # only ever used to refuse a "PNG" that is not one


@dataclass(frozen=True, slots=True)
class Prepared:
    file: BinaryIO
    size: int
    name: str
    content_type: str
    width: int | None = None
    height: int | None = None


def upload_storage():
    return storages["uploads"]


def max_size(org: OrgInfo) -> int:
    """The server's limit, or the org's if it is lower (an org can only lower it)."""
    if org.max_file_size:
        return min(settings.HORN_MAX_FILE_SIZE, org.max_file_size)
    return settings.HORN_MAX_FILE_SIZE


async def upload_file(caller: Caller, *, chat_id: str, incoming: Incoming) -> Upload:
    """POST /api/files: a member of the chat uploads one file (or image)."""
    org = await get_org(caller.org_id)
    _check_size(org, incoming.size, "file")
    await db(check_member, caller, chat_id)
    async with budget.reserved(caller, incoming.size):
        prepared = await images.run(
            prepare, incoming, org.accepted_file_types, settings.HORN_MAX_IMAGE_PIXELS, image_only=False, field="file"
        )
        _check_size(org, prepared.size, "file")  # a re-encoded image may (rarely) come out larger
        return await _store(caller, prepared, chat_id=chat_id, source=Upload.FILES)


async def upload_image(caller: Caller, *, incoming: Incoming) -> Upload:
    """POST /images (seed 003): a bot uploads an image, not tied to a chat."""
    org = await get_org(caller.org_id)
    _check_size(org, incoming.size, "image")
    prepared = await images.run(
        prepare, incoming, org.accepted_file_types, settings.HORN_MAX_IMAGE_PIXELS, image_only=True, field="image"
    )
    _check_size(org, prepared.size, "image")
    return await _store(caller, prepared, chat_id=None, source=Upload.IMAGES)


def _check_size(org: OrgInfo, size: int, field: str) -> None:
    if size <= 0:
        raise BadFile("file is empty", field=field)
    limit = max_size(org)
    if size > limit:
        raise FileTooLarge(f"file is larger than {limit:,} bytes", field=field, max_size=limit)


def check_member(caller: Caller, chat_id: str) -> None:
    """The caller is a current member of this open chat of its org (another org's chat: not found)."""
    state = Chat.objects.filter(pk=chat_id, org_id=caller.org_id).values_list("state", flat=True).first()
    if state is None:
        raise NotFound("chat not found", field="chat")
    if state == Chat.ENDED:
        raise ChatEnded(field="chat")
    if not ChatMember.objects.filter(chat_id=chat_id, uid=caller.uid, left_at__isnull=True).exists():
        raise NotMember(field="chat")


def prepare(
    incoming: Incoming, accepted: tuple[str, ...], max_pixels: int, *, image_only: bool, field: str
) -> Prepared:
    """What the bytes are, decided from the bytes; images re-encoded. Runs on the image pool."""
    head = incoming.file.read(sniff.HEAD)
    incoming.file.seek(0)
    if not head:
        raise BadFile("file is empty", field=field)
    fmt = sniff.image_format(head)
    if fmt is None:
        if sniff.is_dangerous(head):
            raise UnsupportedFileType("HTML, SVG, XML and programs are not accepted", field=field)
        if image_only or sniff.claims_image(incoming.name, incoming.declared_type):
            raise BadFile("not a PNG, JPEG, GIF or WebP image", field=field)
        content_type = sniff.file_type(head)
        _check_accepted(accepted, content_type, field)
        return Prepared(incoming.file, incoming.size, clean_name(incoming.name), content_type)
    content_type = sniff.IMAGES[fmt]
    _check_accepted(accepted, content_type, field)
    image = images.reencode(incoming.file, fmt, max_pixels, field)
    name = with_extension(clean_name(incoming.name, "image"), sniff.EXTENSIONS[fmt])
    return Prepared(io.BytesIO(image.data), len(image.data), name, content_type, image.width, image.height)


def _check_accepted(accepted: tuple[str, ...], content_type: str, field: str) -> None:
    if not sniff.accepts(accepted, content_type):
        raise UnsupportedFileType(f"{content_type} is not accepted here", field=field, accepted=list(accepted))


async def _store(caller: Caller, prepared: Prepared, *, chat_id: str | None, source: str) -> Upload:
    upload_id = new_upload_id()
    upload = Upload(
        id=upload_id,
        org_id=caller.org_id,
        chat_id=chat_id,
        uploader_id=caller.uid,
        uploader_role=caller.role,
        source=source,
        name=prepared.name,
        size=prepared.size,
        content_type=prepared.content_type,
        width=prepared.width,
        height=prepared.height,
    )
    storage = upload_storage()
    # The key holds no client text; the id's first characters spread files over directories.
    key = f"{caller.org_id}/{upload_id[:2]}/{upload_id}"
    upload.storage_name = await asyncio.to_thread(storage.save, key, File(prepared.file, name=key))
    try:
        await db(upload.save, force_insert=True)
    except BaseException:
        await asyncio.to_thread(storage.delete, upload.storage_name)  # nothing stays without its row
        raise
    return upload
