"""File names from clients, made safe to store, put in a URL and send in Content-Disposition.

A name is shown to people and offered to their browser as the download name,
so it must not walk directories (`../`), hide its real extension behind a
bidi override ("invoice\u202egpj.exe"), carry control characters (NUL ends
strings in C, CR/LF splits headers) or be long enough to break layouts and
file systems.
"""

from __future__ import annotations

import unicodedata

MAX_NAME = 120  # characters; long enough for any real name, short enough for every file system (255 bytes)
MAX_EXT = 16  # characters of an extension kept when a long name is cut (".numbers" is 8)
FALLBACK = "file"

# Unicode categories removed: controls (Cc: NUL, CR, LF, ESC...), formats (Cf: the bidi
# overrides U+202A-U+202E and isolates U+2066-U+2069, zero-width characters, BOM),
# surrogates and unassigned code points.
DROPPED = frozenset({"Cc", "Cf", "Cs", "Cn"})


def clean_name(raw: str | None, fallback: str = FALLBACK) -> str:
    """The last path component of `raw`, without control or bidi characters, at most MAX_NAME long."""
    name = unicodedata.normalize("NFC", raw or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]  # browsers on Windows send C:\\path\\name
    name = "".join(c for c in name if unicodedata.category(c) not in DROPPED)
    name = " ".join(name.split())  # no tabs or runs of spaces (Zs is kept, collapsed)
    name = name.strip(" .")  # no hidden files, no "..", no trailing dots (Windows drops them)
    if not name:
        return fallback
    return _shorten(name)


def _shorten(name: str) -> str:
    if len(name) <= MAX_NAME:
        return name
    stem, dot, ext = name.rpartition(".")
    if dot and stem and 0 < len(ext) <= MAX_EXT:
        return stem[: MAX_NAME - len(ext) - 1].rstrip(" .") + "." + ext
    return name[:MAX_NAME].rstrip(" .")


def with_extension(name: str, ext: str) -> str:
    """`name` with the extension of its real type (a PNG called photo.jpg becomes photo.png)."""
    stem, dot, old = name.rpartition(".")
    if dot and stem and old.lower() in EQUIVALENT.get(ext, (ext,)):
        return name
    base = stem if dot and stem and len(old) <= MAX_EXT else name
    return _shorten(f"{base}.{ext}")


EQUIVALENT = {"jpg": ("jpg", "jpeg", "jpe", "jfif")}
