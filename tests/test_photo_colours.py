"""Photos in sRGB: a phone's Display P3 photo is converted before its colour profile is dropped
(kept as numbers only, it looks washed out); decoded small, upright, and two at a time."""

from __future__ import annotations

import asyncio
import io
import struct
import threading
import time

from PIL import Image, ImageCms

from exchange.items import photos

# Display P3 (Apple's profile): primaries adapted to the D50 of the profile connection space.
P3_COLUMNS = {"rXYZ": (0.515102, 0.241182, -0.001049), "gXYZ": (0.291965, 0.692236, 0.041883)}
P3_COLUMNS["bXYZ"] = (0.157153, 0.066583, 0.784106)
D50 = (0.9642, 1.0, 0.82491)


def _s15(values) -> bytes:
    return b"XYZ \0\0\0\0" + b"".join(struct.pack(">i", round(v * 65536)) for v in values)


def _srgb_curve() -> bytes:
    points = []
    for n in range(1024):
        v = n / 1023
        points.append(v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4)
    return b"curv\0\0\0\0" + struct.pack(">I", 1024) + b"".join(struct.pack(">H", round(p * 65535)) for p in points)


def _description(text: str) -> bytes:
    ascii_ = text.encode() + b"\0"
    return b"desc\0\0\0\0" + struct.pack(">I", len(ascii_)) + ascii_ + b"\0" * 8 + b"\0\0\0" + b"\0" * 67


def display_p3_profile() -> bytes:
    """A matrix/TRC ICC v2 profile of Display P3 (its primaries, D65 white, the sRGB curve)."""
    curve = _srgb_curve()
    tags = [
        (b"desc", _description("Display P3 (test)")),
        (b"wtpt", _s15(D50)),
        *((name.encode(), _s15(xyz)) for name, xyz in P3_COLUMNS.items()),
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
    ]
    table, body, offset = b"", b"", 128 + 4 + 12 * len(tags)
    for signature, data in tags:
        data += b"\0" * (-len(data) % 4)
        table += signature + struct.pack(">II", offset + len(body), len(data))
        body += data
    size = offset + len(body)
    header = struct.pack(">I4sI4s4s4s", size, b"lcms", 0x02100000, b"mntr", b"RGB ", b"XYZ ")
    header += b"\0" * 12 + b"acsp" + b"\0" * 24 + struct.pack(">I", 0) + _s15(D50)[8:] + b"\0" * 48
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + body


def _p3_to_srgb(rgb: tuple[int, int, int]) -> tuple[int, ...]:
    """The expected value, by the published linear P3 (D65) to sRGB matrix."""
    linear = [(c / 255 / 12.92 if c / 255 <= 0.04045 else ((c / 255 + 0.055) / 1.055) ** 2.4) for c in rgb]
    matrix = ((1.2249, -0.2247, 0.0), (-0.0420, 1.0419, 0.0), (-0.0197, -0.0786, 1.0979))
    out = [min(1.0, max(0.0, sum(m * v for m, v in zip(row, linear, strict=True)))) for row in matrix]
    return tuple(round(255 * (12.92 * v if v <= 0.0031308 else 1.055 * v ** (1 / 2.4) - 0.055)) for v in out)


def _centre(jpeg: bytes) -> tuple[int, ...]:
    image = Image.open(io.BytesIO(jpeg))
    assert "icc_profile" not in image.info  # the profile is gone, the colours kept
    return image.getpixel((image.width // 2, image.height // 2))


def test_a_display_p3_photo_comes_out_in_srgb():
    profile = display_p3_profile()
    ImageCms.ImageCmsProfile(io.BytesIO(profile))  # lcms reads it
    p3 = (180, 120, 60)
    expected = _p3_to_srgb(p3)
    assert max(abs(a - b) for a, b in zip(expected, p3, strict=True)) >= 10  # a difference one sees
    for fmt in ("PNG", "JPEG"):
        data = io.BytesIO()
        Image.new("RGB", (800, 600), p3).save(data, format=fmt, icc_profile=profile, quality=95)
        _, photo, thumbnail = photos.process_photo(data.getvalue())
        for out in (photo, thumbnail):
            got = _centre(out)
            assert max(abs(a - b) for a, b in zip(got, expected, strict=True)) <= 3, (fmt, got, expected)


def test_a_big_photo_is_decoded_small_and_upright():
    image = Image.new("RGB", (6400, 4000), (10, 200, 30))
    image.paste((250, 10, 10), (0, 0, 3200, 4000))  # left half red
    exif = Image.Exif()
    exif[0x0112] = 6  # the camera was turned: the image is to be rotated 90° clockwise
    data = io.BytesIO()
    image.save(data, format="JPEG", exif=exif, quality=90)
    _, photo, thumbnail = photos.process_photo(data.getvalue())
    shown = Image.open(io.BytesIO(photo))
    assert shown.size == (1000, 1600)  # upright: portrait, within MAX_SIDE
    assert shown.getpixel((500, 100))[0] > 200 and shown.getpixel((500, 1500))[1] > 150  # red on top
    assert max(Image.open(io.BytesIO(thumbnail)).size) == photos.THUMB_SIDE


async def test_photos_are_decoded_two_at_a_time(monkeypatch):
    running, peak, lock = 0, 0, threading.Lock()

    def slow(data: bytes):
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.05)
        with lock:
            running -= 1
        raise photos.BadImage("stop here")

    monkeypatch.setattr(photos, "process_photo", slow)  # under the semaphore and the trim
    results = await asyncio.gather(*(photos.store_photo(b"x") for _ in range(6)), return_exceptions=True)
    assert all(isinstance(r, photos.BadImage) for r in results)
    assert peak == photos.PHOTOS_AT_ONCE
