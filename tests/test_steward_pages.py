"""The steward's pages without a browser (both engines): cutting a piece, correcting a record,
blank labels; every field's problem at once, what was typed kept, nothing written on a refusal."""

from __future__ import annotations

import re

from test_web_pages import log_in, plank, text_of

from exchange.tables import BlankCode, Event, Item


async def test_a_steward_cuts_a_piece_from_its_page(client, lieu):
    item = await plank(client, lieu)  # 1000 x 500 x 18 mm
    await log_in(client, "member")
    assert (await client.get(f"/i/{item['code']}/split")).status_code == 403
    client.cookies.clear()
    token = await log_in(client, "steward")
    page = await client.get(f"/i/{item['code']}")
    assert f'href="/i/{item["code"]}/split"' in page.text and f'href="/i/{item["code"]}/adjust"' in page.text
    form = await client.get(f"/i/{item['code']}/split")
    assert form.status_code == 200 and 'name="length_mm_0"' in form.text and 'value="18"' in form.text
    base = {"_csrf_token": token, "_idem": "cut-1", "thickness_mm_0": "18", "thickness_mm_1": "18"}
    bad = await client.post(
        f"/i/{item['code']}/split",
        data={**base, "length_mm_0": "30000", "width_mm_0": "500", "length_mm_1": "400", "mass_kg_1": "abc"},
    )
    assert bad.status_code == 422
    words = text_of(bad.text)
    assert bad.text.count('class="field-error"') == 3  # length 0, width 1 missing, mass 1
    assert 'value="30000"' in bad.text and 'value="abc"' in bad.text  # what was typed, kept
    assert await Event.count().where(Event.kind == "split") == 0
    assert "Vérifiez les champs" in words
    more = await client.post(f"/i/{item['code']}/split", data={**base, "add_row": "1", "length_mm_0": "400"})
    assert 'name="length_mm_3"' in more.text and 'value="400"' in more.text
    good = {**base, "length_mm_0": "400", "width_mm_0": "500", "length_mm_1": "590", "width_mm_1": "500"}
    done = await client.post(f"/i/{item['code']}/split", data={**good, "_idem": "cut-2"})
    assert done.status_code == 303 and done.headers["location"] == f"/labels?split_of={item['code']}"
    labels = await client.get(done.headers["location"])
    assert "Découpée : 2 morceau" in text_of(labels.text)
    again = await client.post(f"/i/{item['code']}/split", data={**good, "_idem": "cut-2"})  # back, then submit
    assert again.status_code == 303 and await Event.count().where(Event.kind == "piece") == 2


async def test_a_steward_corrects_a_record_with_a_reason(client, lieu):
    item = await plank(client, lieu)
    token = await log_in(client, "steward")
    form = await client.get(f"/i/{item['code']}/adjust")
    assert 'value="Contreplaqué"' in form.text and 'value="1000"' in form.text
    url = f"/i/{item['code']}/adjust"
    fields = {"_csrf_token": token, "title": "Contreplaqué", "category": "plywood", "length_mm": "1000"}
    fields |= {
        "width_mm": "500",
        "thickness_mm": "18",
        "mass_kg": form.text.split('id="adj-mass"')[1].split('value="')[1].split('"')[0],
    }
    nothing = await client.post(url, data={**fields, "note": "relu"})
    assert nothing.status_code == 422 and "Rien n'a changé" in text_of(nothing.text)
    no_reason = await client.post(url, data={**fields, "title": "Contreplaqué bouleau", "length_mm": "0"})
    assert no_reason.status_code == 422 and no_reason.text.count('class="field-error"') == 2  # length, note
    assert 'value="Contreplaqué bouleau"' in no_reason.text
    done = await client.post(url, data={**fields, "width_mm": "450", "note": "mal mesurée"})
    assert done.status_code == 303 and done.headers["location"] == f"/i/{item['code']}"
    row = await Item.select(Item.width_mm, Item.mass_source).where(Item.code == item["code"]).first()
    assert row == {"width_mm": 450, "mass_source": "estimated"}  # the mass shown, untouched, stays estimated
    assert "Fiche corrigée" in text_of((await client.get(done.headers["location"])).text)


async def test_blank_labels_from_the_labels_page(client, lieu):
    token = await log_in(client, "steward")
    labels = await client.get("/labels")
    assert 'href="/labels/blank"' in labels.text
    refused = await client.post("/labels/blank", data={"_csrf_token": token, "count": "0", "layout": "a4-3x7"})
    assert refused.status_code == 422 and await BlankCode.count() == 0
    made = await client.post("/labels/blank", data={"_csrf_token": token, "count": "3", "layout": "a4-3x8"})
    assert made.status_code == 303 and "batch=" in made.headers["location"]
    sheet = await client.get(made.headers["location"])
    assert text_of(sheet.text).count("Étiquette vierge") >= 3 and await BlankCode.count() == 3
    assert 'value="a4-3x8" selected' in sheet.text or "a4-3x8" in sheet.text


async def test_intake_says_every_problem_at_once_and_keeps_the_photo(client, lieu):
    from test_web_pages import jpeg_with_gps

    token = await log_in(client, "steward")
    bad = await client.post(
        "/items/new",
        data={"_csrf_token": token, "_idem": "k1", "workshop": "bois", "length_mm": "99999", "width_mm": "abc"}
        | {"quantity": "0", "title": "Chute"},
        files={"photo": ("plank.jpg", jpeg_with_gps(), "image/jpeg")},
    )
    assert bad.status_code == 422
    errors = re.findall(r'class="field-error" id="err-(\w+)"', bad.text)
    assert sorted(errors) == ["category", "length_mm", "quantity", "width_mm"]  # all at once
    kept = re.search(r'name="photo_kept" value="([^"]+)"', bad.text).group(1)
    assert f'src="/media/{kept.rpartition(".")[0]}-thumb.jpg"' in bad.text
    assert 'name="_idem" value="k1"' in bad.text and await Item.count() == 0
    forged = await client.post(
        "/items/new",
        data={"_csrf_token": token, "_idem": "k0", "workshop": "bois", "category": "glass", "photo_kept": "abc.def"},
    )
    assert forged.status_code == 303
    assert (await Item.select(Item.photo).first())["photo"] is None  # an unsigned name is not taken
    fixed = {"_csrf_token": token, "_idem": "k1", "workshop": "bois", "category": "plywood", "title": "Chute"}
    fixed |= {"length_mm": "900", "width_mm": "400", "quantity": "1", "photo_kept": kept}
    done = await client.post("/items/new", data=fixed)
    assert done.status_code == 303
    code = done.headers["location"].split("=", 1)[1]
    assert (await Item.select(Item.photo).where(Item.code == code).first())["photo"] == kept.rpartition(".")[0]


async def test_back_then_submit_logs_the_item_once(client, lieu):
    token = await log_in(client, "steward")
    form = await client.get("/items/new?category=steel")
    key = re.search(r'name="_idem" value="([^"]+)"', form.text).group(1)
    again_form = await client.get(f"/items/new?category=steel&k={key}")  # back: the address holds the key
    assert re.search(r'name="_idem" value="([^"]+)"', again_form.text).group(1) == key
    fields = {"_csrf_token": token, "_idem": key, "category": "steel", "workshop": "metal", "mass_kg": "3"}
    saved = await client.post("/items/new", data=fields)
    again = await client.post("/items/new", data=fields)  # back, then submit the same
    assert saved.status_code == again.status_code == 303 and saved.headers["location"] == again.headers["location"]
    edited = await client.post("/items/new", data={**fields, "mass_kg": "4"})  # back, edit, submit
    code = saved.headers["location"].split("=", 1)[1]
    assert edited.status_code == 303 and edited.headers["location"] == f"/i/{code}"
    assert "a déjà enregistré la pièce" in text_of((await client.get(edited.headers["location"])).text)
    assert await Item.count() == 1
