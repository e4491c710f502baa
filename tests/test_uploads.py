"""Hostile uploads through the photo API, on both engines: each refused with a clear 4xx, and
nothing stored (no file in the media directory, the item unchanged)."""

from __future__ import annotations

import io
import zipfile

from conftest import auth
from PIL import Image

from exchange.settings import get_settings
from exchange.tables import Item

PLANK = {
    "category": "plywood",
    "title": "Panneau",
    "workshop": "bois",
    "length_mm": 800,
    "width_mm": 400,
    "thickness_mm": 18,
}


def _jpeg(size=(400, 300), color=(200, 120, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG")
    return out.getvalue()


def _bomb() -> bytes:
    """A small PNG that claims 100 megapixels (Pillow's pixel limit refuses it)."""
    out = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(out, "PNG")
    return out.getvalue()


def _zip_polyglot() -> bytes:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("payload.txt", "not a photo")
    return _jpeg() + archive.getvalue()


def _media_files() -> set[str]:
    media = get_settings().media_dir
    return {p.name for p in media.iterdir()} if media.exists() else set()


async def test_hostile_uploads_are_refused_and_nothing_is_stored(client, lieu):
    code = (await client.post("/api/v1/items", json=PLANK, headers=auth(lieu, "steward"))).json()["code"]
    url = f"/api/v1/items/{code}/photos"
    cases = {
        "not an image": (("notes.txt", b"just some text\n" * 100), 415),
        "truncated": (("cut.jpg", _jpeg()[:400]), 422),
        "image bomb": (("bomb.png", _bomb()), 422),
        "50 MB": (("big.jpg", b"\xff\xd8" + b"\0" * (50 * 1024 * 1024)), 413),
        "HTML polyglot": (("page.jpg", _jpeg() + b"<html><script>alert(1)</script></html>"), 422),
        "ZIP polyglot": (("archive.jpg", _zip_polyglot()), 422),
        "name with ../": (("../../../etc/passwd", b"root:x:0:0"), 415),
    }
    before = _media_files()
    for name, ((filename, data), status) in cases.items():
        response = await client.post(url, files={"file": (filename, data)}, headers=auth(lieu, "steward"))
        assert response.status_code == status, (name, response.status_code, response.text[:200])
        assert response.headers["content-type"] == "application/problem+json", name
        assert response.json()["detail"], name
    assert _media_files() == before
    assert (await Item.select(Item.photo).where(Item.code == code).first())["photo"] is None
    # A real photo named with ../ is stored under its content hash, never under the given name.
    fresh = _jpeg(color=({"sqlite": 10, "postgres": 20}[lieu.name], 80, 160))  # a photo no other test stored
    good = await client.post(url, files={"file": ("../../escape.jpg", fresh)}, headers=auth(lieu, "steward"))
    assert good.status_code == 201
    added = _media_files() - before
    assert all(".." not in name and "escape" not in name for name in added) and len(added) == 2
    print(f"\nhostile uploads on {lieu.name}: {len(cases)} tried, {len(cases)} refused, nothing stored")
