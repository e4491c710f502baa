"""Item photos: checked with Pillow, decoded small (two at a time), turned upright, converted to
sRGB, stripped of every metadata (GPS included), downscaled and thumbnailed, stored under the
media directory with content-hash names.

A photo is not part of the ledger: it changes no mass, place or status, and the service has no
event for it (an `adjust` needs a change of mass, size, category or title). Setting it writes no
event; the item's history stays the ledger's."""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import hashlib
import io
import os
import tempfile
import warnings
import weakref
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageCms, UnidentifiedImageError

from exchange.auth.service import Actor
from exchange.items import present, queries, schemas
from exchange.ledger.codes import parse_code
from exchange.ledger.rules import ROLE_IN_SENTENCE, Forbidden, LedgerError, NotFound, Role, role_at_least
from exchange.messages import _
from exchange.settings import get_settings

MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 40 Mpx phone photo; beyond, a decompression bomb is likelier than a camera
MAX_SIDE = 1600
THUMB_SIDE = 400
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
JPEG_QUALITY = 85


class PhotoTooLarge(LedgerError):
    status_code = 413


class NotAnImage(LedgerError):
    status_code = 415


class BadImage(LedgerError):
    status_code = 422


# What makes an image file also a page, a script or an archive (a polyglot). Phones append
# harmless data after a JPEG (motion-photo video, maker notes), so trailing bytes alone are
# not refused; markup and archive directories are.
_ACTIVE_CONTENT = (b"<script", b"<html", b"<svg", b"<?php", b"<!doctype", b"%pdf-", b"javascript:")
_ZIP_DIRECTORY_END = b"PK\x05\x06"


def _is_polyglot(data: bytes) -> bool:
    lowered = data.lower()
    return any(marker in lowered for marker in _ACTIVE_CONTENT) or _ZIP_DIRECTORY_END in data[-65_557:]


def _open(data: bytes) -> Image.Image:
    """The checked image, its pixels not yet decoded (process_photo decodes them at the size it needs)."""
    if len(data) > MAX_PHOTO_BYTES:
        raise PhotoTooLarge(_("A photo may weigh 10 MB at most."))
    if not data:
        raise NotAnImage(_("This file is empty: send a JPEG, PNG or WebP photo."))
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            probe = Image.open(io.BytesIO(data))
            fmt = probe.format
            if fmt not in ACCEPTED_FORMATS:
                raise NotAnImage(
                    _("A %(format)s file is not accepted: send a JPEG, PNG or WebP photo.", format=fmt)
                    if fmt
                    else _("A file of this kind is not accepted: send a JPEG, PNG or WebP photo.")
                )
            if _is_polyglot(data):
                raise BadImage(_("This file is an image and something else too (a page, a script or an archive)."))
            width, height = probe.size
            if width * height > MAX_PIXELS:
                raise BadImage(
                    _(
                        "This image has too many pixels (%(width)s x %(height)s); 40 megapixels at most.",
                        width=width,
                        height=height,
                    )
                )
            probe.verify()  # structure and checksums; the image must be reopened afterwards
            return Image.open(io.BytesIO(data))
        except UnidentifiedImageError as error:
            raise NotAnImage(_("This file is not an image: send a JPEG, PNG or WebP photo.")) from error
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise BadImage(_("This image has too many pixels; 40 megapixels at most.")) from error
        except (OSError, SyntaxError, ValueError) as error:
            raise BadImage(_("This image is damaged or truncated: take the photo again.")) from error


def _decoded_small(image: Image.Image) -> Image.Image:
    """The pixels at no more than twice MAX_SIDE, with as little full-size work as the format allows.

    A JPEG decodes straight at 1/2, 1/4 or 1/8 of its size (`draft`: a 40 Mpx photo never exists
    at full size in memory); a PNG or WebP decodes whole, once, and is at once cut down by an
    integer factor (`reduce`, a box filter) before anything else, so no second full-size image
    is made (no full-size copy for orientation, colour or transparency)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            if image.format == "JPEG" and image.mode in ("RGB", "L", "CMYK"):
                image.draft(image.mode, (2 * MAX_SIDE, 2 * MAX_SIDE))
            image.load()
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombWarning) as error:
            raise BadImage(_("This image is damaged or truncated: take the photo again.")) from error
    factor = max(image.size) // (2 * MAX_SIDE)
    if factor >= 2:
        if image.mode not in ("RGB", "RGBA", "L", "LA", "CMYK"):
            image = image.convert("RGBA")  # palette images reduce in colour, not by index
        image = image.reduce(factor)
    return image


# Orientation in EXIF → the transposition that turns the image upright (as ImageOps.exif_transpose).
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def _in_srgb(image: Image.Image, icc: bytes | None) -> Image.Image:
    """RGB pixels in sRGB. A phone's Display P3 photo shown with its profile dropped but its
    numbers kept looks washed out: the colours are converted first, then the profile goes."""
    if image.mode in ("RGBA", "LA", "P", "PA"):
        rgba = image.convert("RGBA")
        image = Image.new("RGB", rgba.size, (255, 255, 255))
        image.paste(rgba, mask=rgba.getchannel("A"))
    if icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            if image.mode not in ("RGB", "CMYK", "L") or source.profile.xcolor_space.strip() != image.mode[:4].strip():
                image = image.convert("RGB")
            return ImageCms.profileToProfile(image, source, _SRGB, outputMode="RGB")
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a profile lcms cannot read: the numbers are taken as sRGB, as before
    return image if image.mode == "RGB" else image.convert("RGB")


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    # No exif=, no icc_profile=, no comment: nothing of the original's metadata is written.
    image.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return out.getvalue()


def process_photo(data: bytes) -> tuple[str, bytes, bytes]:
    """(name, photo JPEG, thumbnail JPEG); name is the SHA-256 of the photo as stored."""
    image = _open(data)
    try:
        orientation = image.getexif().get(0x0112)
    except (OSError, ValueError, SyntaxError) as error:
        raise BadImage(_("This image's orientation could not be read: take the photo again.")) from error
    icc = image.info.get("icc_profile")
    small = _in_srgb(_decoded_small(image), icc)
    if small is not image:
        image.close()  # the full-size pixels go as soon as the small copy exists
    if orientation in _UPRIGHT:  # upright as the camera meant it, before EXIF goes
        small = small.transpose(_UPRIGHT[orientation])
    # A fresh image holds the pixels alone: no info dict, no EXIF, no XMP, no ICC.
    clean = Image.new("RGB", small.size)
    clean.paste(small)
    clean.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    photo = _jpeg(clean)
    clean.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.LANCZOS)
    thumbnail = _jpeg(clean)
    return hashlib.sha256(photo).hexdigest(), photo, thumbnail


def _write_once(path: Path, data: bytes) -> None:
    """Content-hash names: an existing file already holds these bytes. Written atomically."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def media_path(name: str) -> Path:
    return get_settings().media_dir / name


# Photos decoded at once, per event loop: a 40 Mpx PNG takes 120-160 MB while it decodes, and
# four arriving together took the server to 2.1 GB resident (make bench: photo memory).
PHOTOS_AT_ONCE = 2
_decoding: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = weakref.WeakKeyDictionary()


def _turn() -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    if loop not in _decoding:
        _decoding[loop] = asyncio.Semaphore(PHOTOS_AT_ONCE)
    return _decoding[loop]


def _malloc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc: its allocator gives memory back its own way
        return None


_MALLOC_TRIM = _malloc_trim()


def _processed_and_given_back(data: bytes) -> tuple[str, bytes, bytes]:
    """process_photo, then the freed pixel memory handed back to the system: glibc keeps what the
    worker threads freed in their arenas, and the server stayed at 420 MB after four 40 Mpx PNGs
    (78 MB before); with malloc_trim it falls back (make bench: photo memory)."""
    try:
        return process_photo(data)
    finally:
        if _MALLOC_TRIM is not None:
            _MALLOC_TRIM(0)


async def store_photo(data: bytes) -> str:
    """Check, clean and store a photo; returns its name (the hash), without touching any item."""
    async with _turn():
        name, photo, thumbnail = await asyncio.to_thread(_processed_and_given_back, data)

    def write() -> None:
        _write_once(media_path(f"{name}.jpg"), photo)
        _write_once(media_path(f"{name}-thumb.jpg"), thumbnail)

    await asyncio.to_thread(write)
    return name


async def set_photo(code: str, name: str) -> None:
    """Point the item at a stored photo (inside the caller's transaction, if any)."""
    if not await queries.set_photo(code, name):
        raise NotFound(_("No item holds the code %(code)s.", code=code))


async def attach_photo(actor: Actor, raw_code: str, data: bytes) -> schemas.ItemOut:
    """A steward's photo of an item: stored, then set as the item's photo."""
    code = parse_code(raw_code)
    row = await queries.item_row(code)  # 404 before any work on the file
    # a steward of the item's lieu
    if not role_at_least(actor.role_for_item(row["lieu_id"], bool(row["lieu_shares"])), Role.steward):
        raise Forbidden(_("Only a %(role)s or above can do this.", role=ROLE_IN_SENTENCE[Role.steward]))
    name = await store_photo(data)
    await set_photo(code, name)
    return await present.get_item(code, actor)
