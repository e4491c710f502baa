"""The pages without a browser: status codes, redirects, CSRF, sessions, languages, error pages,
forms and what they write to the ledger (both engines). Over 400 lines: one test module per
page would repeat the fixtures and helpers at the top of this one."""

from __future__ import annotations

import io
import re
from html import unescape

from conftest import PASSWORD, auth
from PIL import Image

from exchange.items import listing, present
from exchange.ledger.codes import new_code
from exchange.tables import BlankCode, Event, Item, Member

PLANK = {
    "category": "plywood",
    "title": "Contreplaqué",
    "workshop": "bois",
    "length_mm": 1000,
    "width_mm": 500,
    "thickness_mm": 18,
}


def csrf_of(html: str) -> str:
    return re.search(r'name="_csrf_token" value="([^"]+)"', html).group(1)


def idem_of(html: str, action: str) -> str:
    form = re.search(rf'action="[^"]*/{action}"[^>]*>(.*?)</form>', html, re.S).group(1)
    return re.search(r'name="_idem" value="([^"]+)"', form).group(1)


def text_of(html: str) -> str:
    return unescape(re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", html)))


async def log_in(client, role: str) -> str:
    """Log in through the form; returns a CSRF token for the next forms."""
    page = await client.get("/login")
    answer = await client.post(
        "/login", data={"email": f"{role}@lieu.example", "password": PASSWORD, "_csrf_token": csrf_of(page.text)}
    )
    assert answer.status_code == 303, answer.text
    return csrf_of(page.text)


async def plank(client, lieu, **fields) -> dict:
    answer = await client.post("/api/v1/items", json={**PLANK, **fields}, headers=auth(lieu, "steward"))
    assert answer.status_code == 201, answer.text
    return answer.json()


# --- languages -------------------------------------------------------------------------------


async def test_pages_speak_french_by_default_and_english_on_request(client, lieu):
    french = await client.get("/")
    assert french.status_code == 200 and '<html lang="fr">' in french.text and "Chutes disponibles" in french.text
    english = await client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9,fr;q=0.5"})
    assert '<html lang="en">' in english.text and "Available scrap" in english.text
    prefers_french = await client.get("/", headers={"Accept-Language": "de, fr;q=0.8, en;q=0.5"})
    assert '<html lang="fr">' in prefers_french.text


async def test_the_visible_switch_remembers_the_language(client, lieu):
    switch = await client.get("/lang/en", params={"next": "/items?category=plywood"})
    assert switch.status_code == 303 and switch.headers["location"] == "/items?category=plywood"
    assert "exchange_lang=en" in switch.headers["set-cookie"]
    page = await client.get("/items", headers={"Accept-Language": "fr"})
    assert '<html lang="en">' in page.text
    elsewhere = await client.get("/lang/fr", params={"next": "//evil.example/"})
    assert elsewhere.headers["location"] == "/"


async def test_numbers_and_dates_follow_the_reader(client, lieu):
    item = await plank(client, lieu, length_mm=2500, width_mm=1250, thickness_mm=18)  # 35.578 kg estimated
    french = text_of((await client.get(f"/i/{item['code']}")).text)
    assert "2\u202f500\u00a0× 1\u202f250\u00a0× 18\u00a0mm" in french
    assert "35,6\u00a0kg" in french and "estimé" in french
    english = text_of((await client.get(f"/i/{item['code']}", headers={"Accept-Language": "en"})).text)
    assert "2,500" in english and "35.6\u00a0kg" in english and "estimated" in english
    month = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ]
    assert any(m in english for m in month)


# --- /i/{code} -------------------------------------------------------------------------------


async def test_forgiving_spellings_redirect_to_the_canonical_page(client, lieu):
    item = await plank(client, lieu)
    code = item["code"]
    for typed in (
        code.lower(),
        code.replace("-", ""),
        f" {code[:4]} {code[5:]} ".replace(" ", "%20"),
        code.replace("0", "O").replace("1", "I").lower(),
    ):
        answer = await client.get(f"/i/{typed}")
        if typed == code:
            continue
        assert answer.status_code == 301, typed
        assert answer.headers["location"] == f"/i/{code}"
    page = await client.get(f"/i/{code}")
    assert page.status_code == 200 and item["title"] in page.text


async def test_a_mistyped_code_is_said_so_never_another_item(client, lieu):
    item = await plank(client, lieu)
    code = item["code"]
    wrong = code[:-1] + next(c for c in "0123456789ABCDEFGHJKMNPQRSTVWXYZ" if c != code[-1])
    answer = await client.get(f"/i/{wrong}")
    assert answer.status_code == 400
    assert "mal tapé" in unescape(answer.text) and item["title"] not in answer.text
    malformed = await client.get("/i/HELLO")
    assert malformed.status_code == 400 and "n'est pas un code" in unescape(malformed.text)


async def test_a_code_no_item_holds_says_so_and_a_blank_offers_intake(client, lieu):
    unknown = new_code()
    answer = await client.get(f"/i/{unknown}")
    assert answer.status_code == 404 and f"Aucune pièce ne porte le code {unknown}" in unescape(answer.text)

    blank = new_code()
    await BlankCode.insert(BlankCode(code=blank, batch="b1"))
    anonymous = await client.get(f"/i/{blank}")
    assert anonymous.status_code == 404 and "pré-imprimée" in unescape(anonymous.text)
    assert "/items/new?code=" not in anonymous.text
    await log_in(client, "steward")
    steward = await client.get(f"/i/{blank}")
    assert f'href="/items/new?code={blank}"' in steward.text
    form = await client.get(f"/items/new?code={blank}")
    assert f'value="{blank}"' in form.text


async def test_anyone_reads_an_item_but_names_are_for_members(client, lieu):
    item = await plank(client, lieu)
    await client.post(f"/api/v1/items/{item['code']}/reserve", headers=auth(lieu, "member"))
    anonymous = await client.get(f"/i/{item['code']}")
    assert anonymous.status_code == 200
    assert "Member Person" not in anonymous.text and "Steward Person" not in anonymous.text
    assert "un·e membre" in anonymous.text and 'action="/i/' not in anonymous.text
    assert "/login?next=%2Fi%2F" in anonymous.text
    await log_in(client, "other")
    other = await client.get(f"/i/{item['code']}")
    assert "Member Person" in other.text and "quelqu'un d'autre" in unescape(other.text)


async def test_actions_shown_follow_role_and_status(client, lieu):
    item = await plank(client, lieu)
    await log_in(client, "member")
    member = (await client.get(f"/i/{item['code']}")).text
    assert "/reserve" in member and '/use"' in member and "/use-part" in member  # a member may use part of it
    assert "/discard" not in member and "/move" not in member
    await client.post("/logout", data={"_csrf_token": csrf_of(member)})
    await log_in(client, "steward")
    steward = (await client.get(f"/i/{item['code']}")).text
    for action in ("reserve", "use", "use-part", "move", "recycle", "discard", "photo"):
        assert f'/{action}"' in steward, action


# --- sessions, CSRF and error pages ----------------------------------------------------------


async def test_login_sets_a_safe_session_cookie_and_logout_revokes_it(client, lieu):
    page = await client.get("/login", params={"next": "/items"})
    token = csrf_of(page.text)
    wrong = await client.post("/login", data={"email": "member@lieu.example", "password": "nope", "_csrf_token": token})
    assert wrong.status_code == 422 and "mot de passe erroné" in unescape(wrong.text)
    answer = await client.post(
        "/login", data={"email": "member@lieu.example", "password": PASSWORD, "_csrf_token": token, "next": "/items"}
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/items"
    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith("exchange_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax") and "Secure" in cookie
    session = client.cookies["exchange_session"]
    home = await client.get("/")
    assert "Member Person" in home.text and "Bonjour Member Person" in home.text
    assert "Bonjour" not in (await client.get("/")).text  # a flash is shown once

    out = await client.post("/logout", data={"_csrf_token": csrf_of(home.text)})
    assert out.status_code == 303
    client.cookies.set("exchange_session", session)
    assert "Member Person" not in (await client.get("/")).text  # the token no longer works
    assert (await client.get("/api/v1/items", headers={"Authorization": f"Bearer {session}"})).status_code == 200


async def test_login_refuses_to_send_elsewhere(client, lieu):
    page = await client.get("/login")
    answer = await client.post(
        "/login",
        data={
            "email": "member@lieu.example",
            "password": PASSWORD,
            "_csrf_token": csrf_of(page.text),
            "next": "//evil.example/x",
        },
    )
    assert answer.headers["location"] == "/"


async def test_forms_without_the_csrf_token_are_refused(client, lieu):
    item = await plank(client, lieu)
    await log_in(client, "member")
    refused = await client.post(f"/i/{item['code']}/reserve", data={})
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("text/html") and "rechargez la page" in unescape(refused.text)
    forged = await client.post(f"/i/{item['code']}/reserve", data={"_csrf_token": "x" * 80})
    assert forged.status_code == 403
    assert (await Item.select(Item.status).where(Item.code == item["code"]).first())["status"] == "available"
    # The API is outside the CSRF check: it takes Bearer tokens only, never the cookie.
    assert (await client.post(f"/api/v1/items/{item['code']}/reserve")).status_code == 401


async def test_error_pages_are_html_for_people_and_problems_for_the_api(client, lieu):
    page = await client.get("/no/such/page")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert '<html lang="fr">' in page.text and "Page introuvable" in page.text
    api = await client.get("/api/v1/no-such-thing")
    assert api.status_code == 404 and api.headers["content-type"] == "application/problem+json"
    english = await client.get("/no/such/page", headers={"Accept-Language": "en"})
    assert "Page not found" in english.text


async def test_pages_need_a_login_then_the_right_role(client, lieu):
    for path in ("/items/new", "/labels", "/me/reservations", "/admin/members"):
        answer = await client.get(path)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login?next=%2F"), path
    await log_in(client, "member")
    forbidden = await client.get("/items/new")
    assert forbidden.status_code == 403 and "Accès réservé" in unescape(forbidden.text)
    assert (await client.get("/admin/workshops")).status_code == 403
    assert (await client.get("/me/reservations")).status_code == 200


# --- actions ---------------------------------------------------------------------------------


async def test_reserve_then_use_through_the_forms(client, lieu):
    item = await plank(client, lieu)
    code = item["code"]
    await log_in(client, "member")
    page = (await client.get(f"/i/{code}")).text
    reserved = await client.post(
        f"/i/{code}/reserve", data={"_csrf_token": csrf_of(page), "_idem": idem_of(page, "reserve")}
    )
    assert reserved.status_code == 303 and reserved.headers["location"] == f"/i/{code}"
    shown = await client.get(f"/i/{code}")
    assert "Réservée pour vous jusqu'au" in unescape(shown.text)
    mine = await client.get("/me/reservations")
    assert code in mine.text

    used = await client.post(f"/i/{code}/use", data={"_csrf_token": csrf_of(page), "project": "Tabouret"})
    assert used.status_code == 303
    after = unescape((await client.get(f"/i/{code}")).text)
    assert "a servi pour « Tabouret »" in after and "Utilisé pour « Tabouret »" in after
    events = await present.item_events(code, None)
    assert [e.kind for e in events] == ["intake", "reserve", "use"] and events[-1].data == {"project": "Tabouret"}


async def test_a_double_tap_acts_once(client, lieu):
    item = await plank(client, lieu)
    await log_in(client, "member")
    page = (await client.get(f"/i/{item['code']}")).text
    form = {"_csrf_token": csrf_of(page), "_idem": idem_of(page, "use"), "project": "Étagère"}
    first = await client.post(f"/i/{item['code']}/use", data=form)
    second = await client.post(f"/i/{item['code']}/use", data=form)
    assert first.status_code == second.status_code == 303
    assert "a servi" in unescape((await client.get(f"/i/{item['code']}")).text)
    row = await Item.select(Item.id).where(Item.code == item["code"]).first()
    assert await Event.count().where((Event.item == row["id"]) & (Event.kind == "use")) == 1


async def test_a_refused_action_says_why_in_the_readers_language(client, lieu):
    item = await plank(client, lieu)
    await client.post(f"/api/v1/items/{item['code']}/reserve", headers=auth(lieu, "other"))
    await log_in(client, "member")
    page = (await client.get(f"/i/{item['code']}")).text
    refused = await client.post(f"/i/{item['code']}/use", data={"_csrf_token": csrf_of(page)})
    assert refused.status_code == 303
    shown = unescape((await client.get(f"/i/{item['code']}")).text)
    assert "réservée par quelqu'un d'autre" in shown


async def test_used_part_of_it_splits_and_uses_in_one_step(client, lieu):
    item = await plank(client, lieu, length_mm=2000, width_mm=600)
    token = await log_in(client, "steward")
    answer = await client.post(
        f"/i/{item['code']}/use-part",
        data={
            "_csrf_token": token,
            "used_length": "800",
            "used_width": "600",
            "rest_length": "1150",
            "rest_width": "600",
            "thickness": "18",
            "project": "Banc",
        },
    )
    assert answer.status_code == 303
    rest = answer.headers["location"].rsplit("/", 1)[1]
    page = unescape((await client.get(answer.headers["location"])).text)
    assert f"Le reste est une nouvelle pièce, {rest}" in page and f"/labels?codes={rest}" in page
    parent_events = await present.item_events(item["code"], None)
    assert [e.kind for e in parent_events] == ["intake", "split"]
    used_code = next(c for c in parent_events[-1].data["pieces"] if c != rest)
    assert (await present.get_item(used_code, None)).status == "used"
    assert (await present.get_item(rest, None)).status == "available"

    too_big = await client.post(
        f"/i/{rest}/use-part",
        data={
            "_csrf_token": token,
            "used_length": "3000",
            "used_width": "600",
            "rest_length": "10",
            "rest_width": "10",
        },
    )
    # Refused on the spot: the form stays open with what was typed, the field named, in mm.
    assert too_big.status_code == 422
    assert re.search(r'<details class="action" id="use-part" open>', too_big.text)
    assert 'value="3000"' in too_big.text and 'id="err-used_length"' in too_big.text
    assert "Longueur de la partie utilisée : un nombre entier de millimètres, de 1 à 1" in unescape(too_big.text)
    assert (await present.get_item(rest, None)).status == "available"
    worked_out = await client.post(
        f"/i/{rest}/use-part",
        data={"_csrf_token": token, "used_length": "400", "used_width": "600", "project": "Étagère"},
    )
    assert worked_out.status_code == 303  # the rest, left empty, worked out: 750 x 600
    last = worked_out.headers["location"].rsplit("/", 1)[1]
    assert (await present.get_item(last, None)).length_mm == 750


async def test_a_holder_steward_uses_part_of_their_own_reservation(client, lieu):
    item = await plank(client, lieu, length_mm=2000, width_mm=600)
    await client.post(f"/api/v1/items/{item['code']}/reserve", headers=auth(lieu, "steward"))
    token = await log_in(client, "steward")
    answer = await client.post(
        f"/i/{item['code']}/use-part",
        data={
            "_csrf_token": token,
            "used_length": "800",
            "used_width": "600",
            "rest_length": "1100",
            "rest_width": "600",
        },
    )
    assert answer.status_code == 303 and answer.headers["location"] != f"/i/{item['code']}"
    kinds = [e.kind for e in await present.item_events(item["code"], None)]
    assert kinds == ["intake", "reserve", "release", "split"]


async def test_move_recycle_and_discard(client, lieu):
    one, two, three = [await plank(client, lieu) for _ in range(3)]
    token = await log_in(client, "steward")
    moved = await client.post(f"/i/{one['code']}/move", data={"_csrf_token": token, "workshop": "metal"})
    assert moved.status_code == 303
    assert "Déplacée vers Atelier métal" in unescape((await client.get(f"/i/{one['code']}")).text)
    await client.post(f"/i/{two['code']}/recycle", data={"_csrf_token": token, "channel": "benne bois"})
    await client.post(f"/i/{three['code']}/discard", data={"_csrf_token": token, "note": "pourri"})
    assert (await present.get_item(one["code"], None)).workshop == "metal"
    assert (await present.get_item(two["code"], None)).status == "recycled"
    assert (await present.get_item(three["code"], None)).status == "discarded"
    history = unescape((await client.get(f"/i/{two['code']}")).text)
    assert "Envoyé au recyclage (benne bois)" in history


# --- intake ----------------------------------------------------------------------------------


def jpeg_with_gps() -> bytes:
    from PIL import ExifTags

    image = Image.new("RGB", (2400, 1800), (150, 120, 80))
    exif = Image.Exif()
    exif[ExifTags.IFD.GPSInfo] = {1: "N", 2: (45.0, 10.0, 5.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


async def test_intake_form_logs_an_offcut_with_its_photo(client, lieu):
    token = await log_in(client, "steward")
    form = await client.get("/items/new")
    assert 'capture="environment"' in form.text and 'data-density="632.5"' in form.text
    answer = await client.post(
        "/items/new",
        data={
            "_csrf_token": token,
            "category": "plywood",
            "workshop": "bois",
            "length_mm": "800",
            "width_mm": "600",
            "thickness_mm": "18",
            "quantity": "1",
            "mass_kg": "",
            "next": "label",
        },
        files={"photo": ("plank.jpg", jpeg_with_gps(), "image/jpeg")},
    )
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"].startswith("/labels?codes=")
    code = answer.headers["location"].split("=", 1)[1]
    item = await present.get_item(code, None)
    assert item.title == "Contreplaqué 800 × 600 × 18 mm" and item.mass_kg == 5.465 and item.mass_source == "estimated"
    assert item.photo_url and item.photo_url.endswith(".jpg")
    photo = await client.get(item.photo_url.replace("https://lieu.example", ""))
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"
    stored = Image.open(io.BytesIO(photo.content))
    assert max(stored.size) == 1600 and not stored.getexif()
    labels = await client.get(answer.headers["location"])
    assert f'value="{code}" checked' in labels.text and "Enregistrée" in unescape(labels.text)


async def test_intake_log_another_keeps_category_and_workshop(client, lieu):
    token = await log_in(client, "steward")
    answer = await client.post(
        "/items/new",
        data={
            "_csrf_token": token,
            "category": "steel",
            "workshop": "metal",
            "title": "Cornière",
            "mass_kg": "2,5",
            "next": "another",
        },
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/items/new?category=steel&workshop=metal"
    item = (await listing.list_items(listing.ItemFilters(), None)).items[0]
    assert (item.title, item.mass_kg, item.mass_source) == ("Cornière", 2.5, "weighed")
    page = unescape((await client.get(answer.headers["location"])).text)
    assert "Enregistrée : Cornière" in page and "Imprimer l'étiquette" in page


async def test_intake_form_errors_keep_what_was_typed(client, lieu):
    token = await log_in(client, "steward")
    answer = await client.post(
        "/items/new",
        data={
            "_csrf_token": token,
            "category": "plywood",
            "workshop": "bois",
            "length_mm": "99999",
            "title": "Trop long",
        },
    )
    assert answer.status_code == 422
    assert 'aria-invalid="true"' in answer.text and 'value="Trop long"' in answer.text
    assert "nombre entier de 1 à 20" in unescape(answer.text)
    not_a_photo = await client.post(
        "/items/new",
        data={"_csrf_token": token, "category": "plywood", "workshop": "bois"},
        files={"photo": ("x.jpg", b"not an image at all", "image/jpeg")},
    )
    assert not_a_photo.status_code == 422 and "JPEG, PNG ou WebP" in unescape(not_a_photo.text)
    assert await Item.count() == 0


async def test_intake_claims_a_blank_code(client, lieu):
    blank = new_code()
    await BlankCode.insert(BlankCode(code=blank, batch="b2"))
    token = await log_in(client, "steward")
    answer = await client.post(
        "/items/new",
        data={
            "_csrf_token": token,
            "category": "glass",
            "workshop": "bois",
            "code": blank,
            "length_mm": "500",
            "width_mm": "400",
            "thickness_mm": "4",
        },
    )
    assert answer.status_code == 303 and answer.headers["location"] == f"/labels?codes={blank}"
    assert (await client.get(f"/i/{blank}")).status_code == 200


# --- the list --------------------------------------------------------------------------------


async def test_list_filters_live_in_the_url_and_fit_ranks_least_waste_first(client, lieu):
    best = await plank(client, lieu, title="Juste", length_mm=650, width_mm=420)
    await plank(client, lieu, title="Grand", length_mm=2400, width_mm=1200)
    await plank(client, lieu, title="Trop fin", length_mm=650, width_mm=420, thickness_mm=10)
    await plank(
        client, lieu, title="Métal", category="steel", workshop="metal", length_mm=700, width_mm=500, thickness_mm=18
    )
    page = await client.get("/items", params={"need_l": "600", "need_w": "400", "need_t": "18"})
    codes = re.findall(r'<span class="code">([0-9A-Z-]{9})</span>', page.text)
    assert codes[0] == best["code"] and len(codes) == 3
    assert 'value="600"' in page.text
    filtered = await client.get(
        "/items", params={"need_l": "600", "need_w": "400", "need_t": "18", "workshop": "bois", "category": "plywood"}
    )
    assert len(re.findall(r'class="card"', filtered.text)) == 2
    # Fewer than three sizes: minimum sizes (a panel may be turned) and an exact thickness.
    at_least = await client.get("/items", params={"need_l": "2000", "need_t": "18"})
    assert "Grand" in at_least.text and "Juste" not in at_least.text and "1 pièce." in text_of(at_least.text)
    text = await client.get("/items", params={"q": "juste"})
    assert len(re.findall(r'class="card"', text.text)) == 1


async def test_list_is_paginated(client, lieu):
    for n in range(26):
        await plank(client, lieu, title=f"Chute {n:02d}")
    first = await client.get("/items", params={"category": "plywood"})
    assert len(re.findall(r'class="card"', first.text)) == 24
    assert "26 pièces, page 1 sur 2." in text_of(first.text)
    next_url = unescape(re.search(r'href="([^"]+)" rel="next"', first.text).group(1))
    assert "category=plywood" in next_url and "page=2" in next_url
    second = await client.get(next_url)
    assert len(re.findall(r'class="card"', second.text)) == 2 and 'rel="next"' not in second.text
    assert "Chute 00" in second.text and "Chute 25" in first.text
    assert 'aria-current="page" aria-label="Page 2"' in second.text and 'rel="prev"' in second.text
    beyond = await client.get("/items", params={"category": "plywood", "page": "99"})
    assert "page 2 sur 2" in text_of(beyond.text)  # the last page, not an empty one


async def test_an_empty_list_says_what_to_loosen(client, lieu):
    await plank(client, lieu, title="Chêne", category="hardwood", length_mm=800, width_mm=300, thickness_mm=27)
    await plank(client, lieu, title="Contreplaqué", length_mm=800, width_mm=300, thickness_mm=18)
    empty = await client.get("/items", params={"q": "chene", "need_t": "18", "category": "hardwood"})
    words = text_of(empty.text).replace("\xa0", " ")
    assert "Rien ne correspond. En relâchant un critère" in words
    assert "toute épaisseur, pas seulement 18 mm : 1 pièce" in words
    link = unescape(re.search(r'<a href="(/items\?[^"]+)">toute épaisseur', empty.text).group(1))
    assert "need_t" not in link and (await client.get(link)).text.count('class="card"') == 1
    assert "sans « chene »" not in words  # dropping the word alone still finds nothing


# --- labels ----------------------------------------------------------------------------------


async def test_labels_page_picks_today_and_pieces_and_serves_the_pdf(client, lieu):
    one = await plank(client, lieu)
    two = await plank(client, lieu)
    split = await client.post(
        f"/api/v1/items/{two['code']}/split",
        headers=auth(lieu, "steward"),
        json={
            "pieces": [
                {"length_mm": 400, "width_mm": 500, "thickness_mm": 18},
                {"length_mm": 500, "width_mm": 500, "thickness_mm": 18},
            ]
        },
    )
    pieces = [p["code"] for p in split.json()["pieces"]]
    await log_in(client, "steward")
    today = await client.get("/labels", params={"today": "1"})
    for code in (one["code"], *pieces):
        assert f'value="{code}" checked' in today.text
    assert two["code"] not in today.text  # cut up: no longer in stock, no label wanted
    typo = one["code"][:-1] + ("0" if one["code"][-1] != "0" else "1")
    mistyped = await client.get("/labels", params={"codes": typo})
    assert f"Le code « {typo} » est mal tapé" in unescape(mistyped.text)
    of_split = await client.get("/labels", params={"split_of": two["code"]})
    assert all(f'value="{c}" checked' in of_split.text for c in pieces) and one["code"] not in of_split.text
    pdf = await client.get(
        "/labels/sheet.pdf", params=[("codes", one["code"]), ("codes", pieces[0]), ("layout", "a4-3x8"), ("start", "5")]
    )
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and "attachment" in pdf.headers["content-disposition"]
    empty = await client.get("/labels/sheet.pdf")
    assert empty.status_code == 303
    bad_start = await client.get("/labels/sheet.pdf", params={"codes": one["code"], "start": "99"})
    assert bad_start.status_code == 303
    assert "La position de départ va de 1 à 21" in unescape((await client.get(bad_start.headers["location"])).text)


# --- admin -----------------------------------------------------------------------------------


async def test_coordinator_adds_a_workshop_and_a_member(client, lieu):
    token = await log_in(client, "coordinator")
    added = await client.post(
        "/admin/workshops", data={"_csrf_token": token, "slug": "textile", "name": "Atelier couture"}
    )
    assert added.status_code == 303
    assert "Atelier couture" in (await client.get("/admin/workshops")).text
    refused = await client.post("/admin/workshops", data={"_csrf_token": token, "slug": "Pas Bon", "name": "X"})
    assert refused.status_code == 422 and "minuscules" in unescape(refused.text)
    member = await client.post(
        "/admin/members",
        data={
            "_csrf_token": token,
            "email": "nina@lieu.example",
            "name": "Nina",
            "role": "steward",
            "password": "long enough pw",
        },
    )
    assert member.status_code == 303
    assert (await Member.select(Member.role).where(Member.email == "nina@lieu.example").first())["role"] == "steward"
    short = await client.post(
        "/admin/members",
        data={"_csrf_token": token, "email": "x@lieu.example", "name": "X", "role": "member", "password": "short"},
    )
    assert short.status_code == 422 and "au moins 10 caractères" in unescape(short.text)
    categories = await client.get("/admin/categories")
    assert "Contreplaqué" in categories.text and "kg/m³" in categories.text


# --- photos through the API ------------------------------------------------------------------


async def test_photo_api(client, lieu):
    item = await plank(client, lieu)
    url = f"/api/v1/items/{item['code']}/photos"
    png = io.BytesIO()
    Image.new("RGBA", (500, 300), (0, 120, 0, 128)).save(png, "PNG")
    answer = await client.post(
        url, files={"file": ("a.png", png.getvalue(), "image/png")}, headers=auth(lieu, "steward")
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["photo_url"].endswith(".jpg") and answer.json()["thumbnail_url"].endswith("-thumb.jpg")

    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, "GIF")
    assert (
        await client.post(url, files={"file": ("a.gif", gif.getvalue())}, headers=auth(lieu, "steward"))
    ).status_code == 415
    text = await client.post(url, files={"file": ("a.txt", b"hello")}, headers=auth(lieu, "steward"))
    assert text.status_code == 415 and text.headers["content-type"] == "application/problem+json"
    jpeg = io.BytesIO()
    Image.new("RGB", (200, 200)).save(jpeg, "JPEG")
    truncated = await client.post(url, files={"file": ("t.jpg", jpeg.getvalue()[:300])}, headers=auth(lieu, "steward"))
    assert truncated.status_code == 422
    huge = await client.post(
        url, files={"file": ("h.jpg", b"\xff" * (10 * 1024 * 1024 + 10))}, headers=auth(lieu, "steward")
    )
    assert huge.status_code == 413
    assert (
        await client.post(url, files={"file": ("a.png", png.getvalue())}, headers=auth(lieu, "member"))
    ).status_code == 403
    assert (await client.post(url, files={"file": ("a.png", png.getvalue())})).status_code == 401
    unknown = await client.post(
        f"/api/v1/items/{new_code()}/photos", files={"file": ("a.png", png.getvalue())}, headers=auth(lieu, "steward")
    )
    assert unknown.status_code == 404


async def test_media_serves_only_content_hash_names(client, lieu):
    assert (await client.get("/media/../settings.py")).status_code == 404
    assert (await client.get("/media/" + "a" * 64 + ".jpg")).status_code == 404
    assert (await client.get("/media/secret")).status_code == 404


async def test_an_unexpected_error_is_a_page_that_says_nothing_was_recorded(client, lieu, monkeypatch):
    async def broken(*args, **kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(listing, "list_items", broken)
    answer = await client.get("/items")
    assert answer.status_code == 500 and answer.headers["content-type"].startswith("text/html")
    assert "rien n'a été enregistré" in unescape(answer.text) and "on fire" not in answer.text


async def test_a_forged_flash_message_is_not_shown(client, lieu):
    client.cookies.set("exchange_flash", "W3sibGV2ZWwiOiAib2siLCAia2V5IjogImxvZ2luLmJ5ZSJ9XQ.0000")
    assert "déconnecté" not in unescape((await client.get("/")).text)


async def test_pages_vary_with_language_and_login(client, lieu):
    anonymous = await client.get("/items")
    assert "Accept-Language" in anonymous.headers["vary"] and "no-store" not in anonymous.headers.get(
        "cache-control", ""
    )
    await log_in(client, "member")
    assert "no-store" in (await client.get("/items")).headers["cache-control"]


async def test_coordinator_changes_a_role_and_closes_an_account(client, lieu):
    from exchange.auth.service import Actor, issue_token
    from exchange.ledger.rules import Role
    from exchange.tables import Member

    row = await Member.insert(
        Member(email="leaving@lieu.example", name="Leaving", role="member", password_hash="-")
    ).returning(Member.id)
    member_id = row[0]["id"]
    token = await issue_token(Actor(id=member_id, name="Leaving", email="leaving@lieu.example", role=Role.member))
    await log_in(client, "coordinator")
    page = await client.get("/admin/members")
    csrf = csrf_of(page.text)
    promoted = await client.post(
        f"/admin/members/{member_id}", data={"role": "steward", "active": "on", "_csrf_token": csrf}
    )
    assert promoted.status_code == 303
    assert (await Member.select(Member.role).where(Member.id == member_id).first())["role"] == "steward"
    closed = await client.post(f"/admin/members/{member_id}", data={"role": "steward", "_csrf_token": csrf})
    assert closed.status_code == 303
    from exchange.ledger.codes import new_code

    closed_out = await client.post(f"/api/v1/items/{new_code()}/reserve", headers={"Authorization": f"Bearer {token}"})
    assert closed_out.status_code == 401
    me = lieu.members["coordinator"].id
    await client.post(f"/admin/members/{me}", data={"role": "member", "active": "on", "_csrf_token": csrf})
    assert (await Member.select(Member.role).where(Member.id == me).first())["role"] == "coordinator"
    forged = await client.post(f"/admin/members/{member_id}", data={"role": "coordinator", "active": "on"})
    assert forged.status_code == 403  # no CSRF token


async def test_a_form_with_the_nul_character_gets_a_page_that_says_so(client, lieu):
    page = await client.get("/login")
    answer = await client.post(
        "/login", data={"email": "member@lieu.example\x00", "password": PASSWORD, "_csrf_token": csrf_of(page.text)}
    )
    assert answer.status_code == 400 and answer.headers["content-type"].startswith("text/html")
    assert "ne peut pas contenir le caractère NUL" in unescape(answer.text)
