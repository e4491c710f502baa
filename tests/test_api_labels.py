"""The label API: PNGs that decode, sheets, blank pre-printed codes and claiming them."""

from __future__ import annotations

import io
import re

import zxingcpp
from conftest import auth
from PIL import Image

from exchange.ledger.codes import new_code

PLANK = {
    "category": "plywood",
    "title": "Contreplaqué",
    "workshop": "bois",
    "length_mm": 800,
    "width_mm": 400,
    "thickness_mm": 18,
}


async def test_item_label_png_decodes_to_its_url(client, lieu):
    code = (await client.post("/api/v1/items", json=PLANK, headers=auth(lieu, "steward"))).json()["code"]
    response = await client.get(f"/api/v1/items/{code}/label.png")
    assert response.status_code == 200 and response.headers["content-type"] == "image/png"
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(response.content)))
    assert [d.text for d in decoded] == [f"https://lieu.example/i/{code}"]
    assert (await client.get(f"/api/v1/items/{new_code()}/label.png")).status_code == 404


async def test_layouts_listed_with_the_default(client, lieu):
    layouts = (await client.get("/api/v1/labels/layouts")).json()
    names = {layout["name"] for layout in layouts}
    assert {"a4-3x7", "a4-3x8", "a4-2x7", "roll-62", "label-29x62"} <= names
    assert [layout["name"] for layout in layouts if layout["default"]] == ["a4-3x7"]


async def test_sheet_pdf_for_stewards_only_and_unknown_codes_404(client, lieu):
    codes = [
        (await client.post("/api/v1/items", json=PLANK, headers=auth(lieu, "steward"))).json()["code"] for _ in range(3)
    ]
    url = f"/api/v1/labels.pdf?codes={','.join(codes)}&layout=a4-3x7&start=20"
    assert (await client.get(url)).status_code == 401
    assert (await client.get(url, headers=auth(lieu, "member"))).status_code == 403
    response = await client.get(url, headers=auth(lieu, "steward"))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    # positions 20 and 21 on the first sheet, the third label on a second page
    assert len(re.findall(rb"/Type\s*/Page\b", response.content)) == 2
    unknown = await client.get(f"/api/v1/labels.pdf?codes={codes[0]},{new_code()}", headers=auth(lieu, "steward"))
    assert unknown.status_code == 404
    bad_layout = await client.get(f"/api/v1/labels.pdf?codes={codes[0]}&layout=a5", headers=auth(lieu, "steward"))
    assert bad_layout.status_code == 422 and bad_layout.json()["field"] == "layout"


async def test_blank_batch_printed_then_claimed_once(client, lieu):
    response = await client.post(
        "/api/v1/labels/batch", json={"count": 5, "layout": "roll-62"}, headers=auth(lieu, "steward")
    )
    assert response.status_code == 201, response.text
    batch = response.json()
    assert len(set(batch["codes"])) == 5
    pdf = await client.get(batch["pdf_url"].removeprefix("https://lieu.example"), headers=auth(lieu, "steward"))
    assert pdf.status_code == 200 and len(re.findall(rb"/Type\s*/Page\b", pdf.content)) == 5
    code = batch["codes"][0]
    assert (await client.get(f"/api/v1/items/{code}")).status_code == 404  # not yet an item
    claimed = await client.post(
        "/api/v1/items", json={**PLANK, "code": code.lower().replace("-", " ")}, headers=auth(lieu, "steward")
    )
    assert claimed.status_code == 201 and claimed.json()["code"] == code
    again = await client.post("/api/v1/items", json={**PLANK, "code": code}, headers=auth(lieu, "steward"))
    assert again.status_code == 409


async def test_split_pieces_labels_come_as_one_sheet(client, lieu):
    code = (await client.post("/api/v1/items", json=PLANK, headers=auth(lieu, "steward"))).json()["code"]
    split = await client.post(
        f"/api/v1/items/{code}/split",
        json={"pieces": [{"length_mm": 390, "width_mm": 400, "thickness_mm": 18}] * 2},
        headers=auth(lieu, "steward"),
    )
    body = split.json()
    sheet = await client.get(body["labels_url"].removeprefix("https://lieu.example"), headers=auth(lieu, "steward"))
    assert sheet.status_code == 200
    assert len(re.findall(rb"/Type\s*/Page\b", sheet.content)) == 1
