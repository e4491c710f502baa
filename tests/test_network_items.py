"""Items across lieux, on both engines: what a member may do is what their role in the item's
lieu allows; a member of another lieu reserves a shared piece (one winner); a steward of the
sending lieu transfers it, and it keeps its code, status and holder."""

from __future__ import annotations

import asyncio
import re

from conftest import auth
from network_support import LYON, PRIVATE, other_lieu

from exchange.tables import Event, Item

PLANK = {
    "category": "plywood",
    "title": "Panneau",
    "workshop": "bois",
    "length_mm": 800,
    "width_mm": 400,
    "thickness_mm": 18,
}


async def test_roles_are_per_lieu_and_a_transfer_keeps_the_piece(client, lieu):
    lyon = await other_lieu(LYON, "lyon-bois")
    private = await other_lieu(PRIVATE, "prive-bois", roles=("steward",))
    home_steward = auth(lieu, "steward")
    code = (await client.post("/api/v1/items", json=PLANK, headers=home_steward)).json()["code"]
    item = (await client.get(f"/api/v1/items/{code}")).json()
    assert item["lieu"] == "la-fabrique-test" and item["workshop"] == "bois"
    # a steward of Lyon is a member here: no move, no recycle, no intake into our workshops
    for action, body in (("move", {"workshop": "metal"}), ("recycle", {}), ("transfer", {"workshop": "lyon-bois"})):
        answer = await client.post(f"/api/v1/items/{code}/{action}", json=body, headers=lyon.auth("steward"))
        assert answer.status_code == 403, (action, answer.text)
    assert (await client.post("/api/v1/items", json=PLANK, headers=lyon.auth("steward"))).status_code == 403
    # ...nor may our steward log into Lyon's workshop
    into_lyon = await client.post("/api/v1/items", json={**PLANK, "workshop": "lyon-bois"}, headers=home_steward)
    assert into_lyon.status_code == 403
    # a private lieu's pieces are not offered: its item cannot be reserved from here
    private_code = (
        await client.post("/api/v1/items", json={**PLANK, "workshop": "prive-bois"}, headers=private.auth("steward"))
    ).json()["code"]
    assert (await client.post(f"/api/v1/items/{private_code}/reserve", headers=auth(lieu, "member"))).status_code == 403
    # a member of Lyon reserves ours (the lieu shares with the network)
    reserved = await client.post(f"/api/v1/items/{code}/reserve", headers=lyon.auth("member"))
    assert reserved.status_code == 200 and reserved.json()["reserved_by"] == "Member of fablab-lyon"
    # a member here may not transfer; a move or transfer to the wrong side is a 422
    assert (
        await client.post(
            f"/api/v1/items/{code}/transfer", json={"workshop": "lyon-bois"}, headers=auth(lieu, "member")
        )
    ).status_code == 403
    same = await client.post(f"/api/v1/items/{code}/transfer", json={"workshop": "metal"}, headers=home_steward)
    assert same.status_code == 422 and "move" in same.text
    across = await client.post(f"/api/v1/items/{code}/move", json={"workshop": "lyon-bois"}, headers=home_steward)
    assert across.status_code == 422 and "transfer" in across.text
    # our steward transfers it to Lyon: same code, still reserved by the same member
    sent = await client.post(
        f"/api/v1/items/{code}/transfer", json={"workshop": "lyon-bois", "note": "pour le fablab"}, headers=home_steward
    )
    assert sent.status_code == 200, sent.text
    moved = sent.json()
    assert (moved["code"], moved["lieu"], moved["workshop"], moved["status"]) == (
        code,
        "fablab-lyon",
        "lyon-bois",
        "reserved",
    )
    assert moved["reserved_by"] == "Member of fablab-lyon"
    events = (await client.get(f"/api/v1/items/{code}/events")).json()
    assert [e["kind"] for e in events] == ["intake", "reserve", "transfer"]
    assert (events[-1]["from_workshop"], events[-1]["workshop"], events[-1]["mass_kg"]) == (
        "bois",
        "lyon-bois",
        item["mass_kg"],
    )
    # now it is Lyon's: our steward no longer moves it, Lyon's does; Lyon's member uses it
    assert (
        await client.post(f"/api/v1/items/{code}/transfer", json={"workshop": "bois"}, headers=home_steward)
    ).status_code == 403
    assert (await client.post(f"/api/v1/items/{code}/use", headers=lyon.auth("member"))).status_code == 200
    assert await Event.count().where(Event.kind == "transfer") == 1
    # the item's page shows its journey across lieux
    shown = (await client.get(f"/i/{code}", headers={"accept-language": "fr"})).text
    journey = shown[shown.index("Son voyage entre lieux") :]
    assert journey.index("La Fabrique Test") < journey.index("Fablab de Lyon")
    # (French elides "de" before a vowel: "d'Atelier bois")
    assert "Atelier bois (La Fabrique Test) à Lyon-Bois (Fablab de Lyon) — pour le fablab" in shown
    assert "Transféré d" in shown


async def test_members_of_another_lieu_race_for_a_shared_piece(client, lieu):
    racers = [await other_lieu(LYON, "lyon-bois")]
    code = (await client.post("/api/v1/items", json=PLANK, headers=auth(lieu, "steward"))).json()["code"]
    headers = [racers[0].auth(role) for role in ("member", "steward", "coordinator")] + [auth(lieu, "member")]
    answers = await asyncio.gather(*[client.post(f"/api/v1/items/{code}/reserve", headers=h) for h in headers])
    assert sorted(a.status_code for a in answers) == [200, 409, 409, 409]
    item = await Item.select(Item.id).where(Item.code == code).first()
    assert await Event.count().where((Event.item == item["id"]) & (Event.kind == "reserve")) == 1


async def test_the_intake_form_offers_the_workshops_of_ones_own_lieux(client, lieu):
    lyon = await other_lieu(LYON, "lyon-bois")

    async def offered(token: str) -> set[str]:
        client.cookies.set("exchange_session", token)
        page = await client.get("/items/new")
        assert page.status_code == 200, page.text
        select = page.text.split('name="workshop"', 1)[1].split("</select>", 1)[0]
        return set(re.findall(r'<option value="([^"]+)"', select))

    assert await offered(lyon.tokens["steward"]) == {"lyon-bois"}
    assert await offered(lieu.tokens["steward"]) == {"bois", "metal"}


async def test_todays_labels_are_the_stewards_own_lieus(client, lieu):
    lyon = await other_lieu(LYON, "lyon-bois")
    ours = (await client.post("/api/v1/items", json=PLANK, headers=auth(lieu, "steward"))).json()["code"]
    theirs = await client.post("/api/v1/items", json={**PLANK, "workshop": "lyon-bois"}, headers=lyon.auth("steward"))
    theirs = theirs.json()["code"]
    for token, shown, hidden in ((lieu.tokens["steward"], ours, theirs), (lyon.tokens["steward"], theirs, ours)):
        client.cookies.set("exchange_session", token)
        page = (await client.get("/labels", params={"today": "1"})).text
        assert f'value="{shown}" checked' in page and hidden not in page


async def test_a_label_names_the_lieu_of_its_piece(client, lieu):
    from exchange.labels.service import contents_for
    from exchange.settings import get_settings

    ours = (await client.post("/api/v1/items", json=PLANK, headers=auth(lieu, "steward"))).json()["code"]
    (alone,) = await contents_for([ours])
    assert alone.lieu == get_settings().lieu_name  # a single lieu: the installation's name, as set now
    lyon = await other_lieu(LYON, "lyon-bois")
    theirs = await client.post("/api/v1/items", json={**PLANK, "workshop": "lyon-bois"}, headers=lyon.auth("steward"))
    labels = await contents_for([ours, theirs.json()["code"]])
    assert [c.lieu for c in labels] == ["La Fabrique Test", "Fablab de Lyon"]
