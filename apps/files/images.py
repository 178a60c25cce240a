"""Images are decoded and drawn again, so what Horn serves is only pixels it produced itself.

Re-encoding is what makes an image safe to show inline: metadata (EXIF with
GPS, XMP, ICC, comments) is not copied, bytes appended after the image (a
polyglot's payload) are not copied, and a file that does not decode is
refused. The EXIF orientation is applied to the pixels first, so photos stay
upright once the tag is gone. Animated GIF/WebP keep their first frame only:
every extra frame is another full decode, and a chat shows a still just as well.

Decoding runs on a pool of its own (`run`): Pillow releases the GIL while it
decodes, so images do not stall the event loop, and the pool's size bounds how
many full-size canvases are in memory at once. It is neither the DB pool
(whose size bounds DB connections) nor the loop's default executor (which
storage I/O and everything else share).
"""

from __future__ import annotations

import asyncio
import functools
import io
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import BinaryIO, TypeVar

from django.conf import settings
from PIL import Image, ImageOps

from apps.core.errors import BadFile

T = TypeVar("T")
_executor: ThreadPoolExecutor | None = None

# Re-encoding settings: quality 85 is visually lossless for photos at about half of 95's size.
SAVE_OPTIONS = {
    "JPEG": {"quality": 85},
    "PNG": {"compress_level": 6},
    "GIF": {},
    "WEBP": {"quality": 85},
}
# Pixel modes each format takes as they are; anything else is converted (with alpha if it has any).
MODES = {"JPEG": ("RGB", "L"), "PNG": ("RGB", "RGBA", "L", "LA"), "GIF": ("P", "L"), "WEBP": ("RGB", "RGBA")}


@dataclass(frozen=True, slots=True)
class Reencoded:
    data: bytes
    width: int
    height: int


def _pool() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=settings.HORN_IMAGE_THREADS, thread_name_prefix="horn-image")
    return _executor


async def run(fn: Callable[..., T], *args, **kwargs) -> T:
    """Run `fn` (which may decode an image) on the image pool."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_pool(), functools.partial(fn, *args, **kwargs))


def reencode(fp: BinaryIO, fmt: str, max_pixels: int, field: str) -> Reencoded:
    """The image in `fp` (known to start like `fmt`), decoded and encoded again in the same format."""
    try:
        with Image.open(fp, formats=[fmt]) as im:
            _check_pixels(im, max_pixels, field)
            im.verify()  # structure and checksums, before any pixel is decoded
        fp.seek(0)
        with Image.open(fp, formats=[fmt]) as im:
            im.load()  # raises on a truncated or corrupt image
            clean = _pixels_only(_upright(im), fmt)
    except Image.DecompressionBombError:
        raise BadFile(f"image has more than {max_pixels:,} pixels", field=field) from None
    except BadFile:
        raise
    except Exception:  # Pillow raises OSError, SyntaxError, ValueError, EOFError... for broken input
        raise BadFile("image is truncated or corrupt", field=field) from None
    out = io.BytesIO()
    clean.save(out, fmt, **SAVE_OPTIONS[fmt], **_transparency(clean))
    return Reencoded(out.getvalue(), clean.width, clean.height)


def _check_pixels(im: Image.Image, max_pixels: int, field: str) -> None:
    """Only the header is read so far: a decompression bomb is refused before it is decoded."""
    if im.width * im.height > max_pixels:
        raise BadFile(f"image has more than {max_pixels:,} pixels", field=field)


def _upright(im: Image.Image) -> Image.Image:
    try:
        return ImageOps.exif_transpose(im) or im
    except Exception:  # a broken EXIF block: keep the pixels as stored
        return im


def _pixels_only(im: Image.Image, fmt: str) -> Image.Image:
    """A new image holding the pixels (and the palette and transparency they need), nothing else."""
    if im.mode not in MODES[fmt]:
        has_alpha = im.mode in ("RGBA", "LA", "PA") or "transparency" in im.info
        im = im.convert("RGBA" if has_alpha and fmt in ("PNG", "WEBP") else "RGB")
        if fmt == "GIF":
            im = im.convert("P", palette=Image.Palette.ADAPTIVE)
    clean = Image.frombytes(im.mode, im.size, im.tobytes())
    if im.mode == "P":
        clean.putpalette(im.getpalette())
        if isinstance(im.info.get("transparency"), int):
            clean.info["transparency"] = im.info["transparency"]
    return clean


def _transparency(im: Image.Image) -> dict:
    value = im.info.get("transparency")
    return {"transparency": value} if value is not None else {}
