"""Photos: checked with Pillow, upright, stripped of all metadata, downscaled, thumbnailed,
stored under content-hash names; the page's photo form."""

from __future__ import annotations

import hashlib
import io
import re

import pytest
from conftest import PASSWORD, auth
from PIL import ExifTags, Image

from exchange.items import photos, present
from exchange.settings import get_settings


def _image(fmt: str, size=(800, 600), mode="RGB", exif: Image.Exif | None = None, **save) -> bytes:
    out = io.BytesIO()
    image = Image.new(mode, size, (10, 120, 60) if mode == "RGB" else (10, 120, 60, 100))
    if exif is not None:
        save["exif"] = exif
    image.save(out, fmt, **save)
    return out.getvalue()


def test_metadata_is_stripped_and_the_photo_turned_upright():
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 8  # rotate 90° the other way
    exif[ExifTags.Base.Make] = "PhoneCo"
    exif[ExifTags.IFD.GPSInfo] = {1: "N", 2: (48.0, 51.0, 24.0)}
    name, photo, thumb = photos.process_photo(_image("JPEG", (2000, 1000), exif=exif, comment=b"secret"))
    stored = Image.open(io.BytesIO(photo))
    assert stored.format == "JPEG" and stored.size == (800, 1600)
    assert not stored.getexif() and "exif" not in stored.info and "comment" not in stored.info
    assert b"PhoneCo" not in photo and b"secret" not in photo
    assert Image.open(io.BytesIO(thumb)).size == (200, 400)
    assert name == hashlib.sha256(photo).hexdigest()


def test_png_with_transparency_and_webp_are_accepted():
    for data in (_image("PNG", mode="RGBA"), _image("WEBP")):
        _, photo, _ = photos.process_photo(data)
        assert Image.open(io.BytesIO(photo)).mode == "RGB"


def test_small_photos_are_not_enlarged():
    _, photo, thumb = photos.process_photo(_image("JPEG", (300, 200)))
    assert Image.open(io.BytesIO(photo)).size == (300, 200) and Image.open(io.BytesIO(thumb)).size == (300, 200)


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"", photos.NotAnImage),
        (b"%PDF-1.7 not a photo", photos.NotAnImage),
        (_image("GIF"), photos.NotAnImage),
        (_image("BMP"), photos.NotAnImage),
        (_image("JPEG")[:200], photos.BadImage),
        (_image("PNG", (9000, 5000)), photos.BadImage),  # 45 Mpx: more than a camera gives
        (b"\xff" * (photos.MAX_PHOTO_BYTES + 1), photos.PhotoTooLarge),
    ],
)
def test_what_is_refused(data, error):
    with pytest.raises(error):
        photos.process_photo(data)


async def test_the_same_photo_is_stored_once(lieu):
    data = _image("JPEG")
    first = await photos.store_photo(data)
    second = await photos.store_photo(data)
    assert first == second
    media = get_settings().media_dir
    assert (media / f"{first}.jpg").is_file() and (media / f"{first}-thumb.jpg").is_file()
    assert not list(media.glob(".upload-*"))


async def test_a_steward_adds_a_photo_from_the_item_page(client, lieu):
    created = await client.post(
        "/api/v1/items",
        headers=auth(lieu, "steward"),
        json={"category": "steel", "title": "Tôle", "workshop": "metal", "mass_kg": 3},
    )
    code = created.json()["code"]
    page = await client.get("/login")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
    await client.post("/login", data={"email": "steward@lieu.example", "password": PASSWORD, "_csrf_token": token})
    item_page = await client.get(f"/i/{code}")
    assert 'action="/i/' + code + '/photo"' in item_page.text and 'enctype="multipart/form-data"' in item_page.text
    answer = await client.post(
        f"/i/{code}/photo", data={"_csrf_token": token}, files={"photo": ("p.webp", _image("WEBP"), "image/webp")}
    )
    assert answer.status_code == 303
    item = await present.get_item(code, None)
    assert item.photo_url
    shown = await client.get(f"/i/{code}")
    assert "Photo enregistrée" in shown.text and re.search(
        r'<img src="/media/[0-9a-f]{64}\.jpg" alt="Photo de : Tôle"', shown.text
    )
    bad = await client.post(f"/i/{code}/photo", data={"_csrf_token": token}, files={"photo": ("x.gif", _image("GIF"))})
    assert bad.status_code == 303
    assert "JPEG, PNG ou WebP" in (await client.get(f"/i/{code}")).text
    # The photo writes no event: the ledger is about material, not pictures.
    assert [e.kind for e in await present.item_events(code, None)] == ["intake"]
