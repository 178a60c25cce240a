"""Uploads over HTTP, test images made with Pillow, and what must stay unchanged after an error."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path
from urllib.parse import quote, urlsplit

import httpx
from django.conf import settings
from PIL import Image

from apps.files.models import Upload
from tests.helpers import snapshot


def upload(client: httpx.Client, who, chat_id: str, name: str, data: bytes, content_type: str = "application/pdf"):
    return client.post(
        "/api/files", params={"chat": chat_id}, files={"file": (name, data, content_type)}, headers=who.auth
    )


def upload_raw_name(client: httpx.Client, who, chat_id: str, name: str, data: bytes) -> httpx.Response:
    """A multipart body written by hand: the name goes as RFC 2231 `filename*`, control characters and all."""
    boundary = "horn-test-boundary"
    head = (
        f"--{boundary}\r\n"
        f"Content-Disposition: form-data; name=\"file\"; filename*=UTF-8''{quote(name, safe='')}\r\n"
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    body = head + data + f"\r\n--{boundary}--\r\n".encode()
    headers = {**who.auth, "Content-Type": f"multipart/form-data; boundary={boundary}"}
    return client.post("/api/files", params={"chat": chat_id}, content=body, headers=headers)


def path_of(src: str) -> str:
    """A src is on HORN_PUBLIC_URL; the test server listens elsewhere."""
    assert src.startswith(settings.HORN_PUBLIC_URL + "/"), src
    return urlsplit(src).path


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (40, 20), **save) -> bytes:
    mode = "RGBA" if fmt in ("PNG", "WEBP") else "RGB"
    im = Image.new(mode, size, (200, 30, 30, 255) if mode == "RGBA" else (200, 30, 30))
    im.putpixel((0, 0), (0, 0, 255, 255) if mode == "RGBA" else (0, 0, 255))
    out = io.BytesIO()
    im.save(out, fmt, **save)
    return out.getvalue()


def jpeg_with_gps() -> bytes:
    """A 40x20 JPEG whose EXIF says: rotate 90 degrees to show it, taken at these GPS coordinates."""
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 clockwise to display
    exif[0x010F] = "HornCam"  # Make
    exif.get_ifd(0x8825).update({1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 36.0)})
    return image_bytes("JPEG", (40, 20), exif=exif)


def png_declaring(width: int, height: int) -> bytes:
    """A PNG of a few bytes whose header declares a huge canvas: a decompression bomb."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")


def stored_files() -> int:
    root = Path(settings.STORAGES["uploads"]["OPTIONS"]["location"])
    return sum(1 for p in root.rglob("*") if p.is_file()) if root.exists() else 0


def state() -> tuple:
    """Everything an upload error must leave as it was: rows, sequences, stored bytes."""
    return snapshot(), Upload.objects.count(), stored_files()
