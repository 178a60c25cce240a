"""What a file really is, read from its first bytes: never from its name or declared Content-Type.

Three answers: one of the four image formats Horn re-encodes, a type browsers
would run as a document (HTML, SVG, XML with either) or as a program, which
is refused, or an ordinary file named by a small magic-bytes table and served
as an attachment.
"""

from __future__ import annotations

HEAD = 1024  # bytes read to decide; every signature below sits in the first few

IMAGES = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
EXTENSIONS = {"PNG": "png", "JPEG": "jpg", "GIF": "gif", "WEBP": "webp"}
IMAGE_NAMES = (".png", ".jpg", ".jpeg", ".jpe", ".jfif", ".gif", ".webp")

# Ordinary files worth naming; anything else is application/octet-stream.
SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"PK\x03\x04", "application/zip"),  # also docx, xlsx, odt, epub: containers of zip
    (b"\x1f\x8b", "application/gzip"),
    (b"7z\xbc\xaf\x27\x1c", "application/x-7z-compressed"),
    (b"Rar!\x1a\x07", "application/vnd.rar"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/x-ole-storage"),  # legacy .doc/.xls/.msg
    (b"ID3", "audio/mpeg"),
    (b"OggS", "audio/ogg"),
    (b"fLaC", "audio/flac"),
    (b"\x1aE\xdf\xa3", "video/webm"),
    (b"BM", "image/bmp"),  # an image, but not one Horn re-encodes: an attachment like any file
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
)

# Programs: the first bytes of Windows PE, ELF, Mach-O (both byte orders, fat) and scripts.
EXECUTABLES = (b"MZ", b"\x7fELF", b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe")
EXECUTABLES += (b"\xca\xfe\xba\xbe", b"#!")
# What a browser's sniffer (WHATWG mimesniff, "text/html" rules) takes for HTML, plus SVG and
# XML, which run script as documents. Served files carry nosniff and a sandbox CSP too; this
# refuses them up front so no such document is ever stored.
MARKUP = (
    b"<!doctype",  # html, svg or any other SGML/XML document type
    b"<html",
    b"<head",
    b"<script",
    b"<iframe",
    b"<h1",
    b"<div",
    b"<font",
    b"<table",
    b"<a ",
    b"<a>",
    b"<style",
    b"<title",
    b"<b ",
    b"<b>",
    b"<body",
    b"<br",
    b"<p ",
    b"<p>",
    b"<!--",
    b"<svg",
    b"<?xml",
)
BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


def image_format(head: bytes) -> str | None:
    """PNG, JPEG, GIF or WEBP when the bytes start like one (Pillow then decides if they are one)."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "GIF"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    return None


def is_dangerous(head: bytes) -> bool:
    """A program, or a document a browser would render (and run script in)."""
    if head.startswith(EXECUTABLES):
        return True
    text = head
    for bom in BOMS:
        text = text.removeprefix(bom)
    text = text.replace(b"\x00", b"").lstrip().lower()  # UTF-16 markup has NULs between letters
    return text.startswith(MARKUP)


def file_type(head: bytes) -> str:
    """The content type of an ordinary (not image, not dangerous) file."""
    for magic, content_type in SIGNATURES:
        if head.startswith(magic):
            return content_type
    if head[4:8] == b"ftyp":  # ISO media: MP4, MOV, HEIC
        brand = head[8:12]
        if brand in (b"heic", b"heix", b"mif1", b"msf1"):
            return "image/heic"
        return "video/quicktime" if brand == b"qt  " else "video/mp4"
    if _is_text(head):
        return "text/plain"
    return "application/octet-stream"


def claims_image(name: str, declared: str) -> bool:
    """The client called it a PNG/JPEG/GIF/WebP (by name or type): then it must be one."""
    declared = declared.split(";", 1)[0].strip().lower()
    return declared in IMAGES.values() or declared == "image/jpg" or name.lower().endswith(IMAGE_NAMES)


def accepts(patterns: tuple[str, ...], content_type: str) -> bool:
    """The org's accepted list: exact types or `major/*`; an empty list accepts everything."""
    if not patterns:
        return True
    major = content_type.split("/", 1)[0]
    return any(p == content_type or p in (f"{major}/*", "*/*", "*") for p in patterns)


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the end of HEAD is still text.
        return exc.start >= len(head) - 3 and exc.reason in ("unexpected end of data",)
    return True
