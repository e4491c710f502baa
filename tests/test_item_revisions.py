"""The item JSON and the scan page are kept per revision of the item (exchange.items.present
.item_revision): whatever changes what they show must give a new revision, or a reader would
see the item as it was. Each change below is made the way it happens for real, or straight in
the table where it happens without an event (a photo, a member renamed, time passing)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from conftest import auth
from test_api_items import intake

from exchange.lieu.lieux import first_lieu_id
from exchange.tables import Item, Member, Workshop


async def _get(client, code, headers=None):
    answer = await client.get(f"/api/v1/items/{code}", headers=headers or {})
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_what_the_item_json_shows_follows_every_change(client, lieu):
    code = (await intake(client, lieu))["code"]
    member = auth(lieu, "member")
    assert (await _get(client, code))["status"] == "available"
    assert (await _get(client, code, member))["status"] == "available"  # kept for each kind of reader

    # An event: a new version.
    reserved = await client.post(f"/api/v1/items/{code}/reserve", json={"hours": 2}, headers=member)
    assert reserved.status_code == 200, reserved.text
    anonymous, logged_in = await _get(client, code), await _get(client, code, member)
    assert anonymous["status"] == logged_in["status"] == "reserved"
    assert anonymous["reserved_by"] is None and logged_in["reserved_by"] == "Member Person"

    # The holder renames themselves: no event, the name changes.
    await Member.update({Member.name: "Membre Renommé"}).where(Member.name == "Member Person")
    try:
        assert (await _get(client, code, member))["reserved_by"] == "Membre Renommé"
    finally:
        await Member.update({Member.name: "Member Person"}).where(Member.name == "Membre Renommé")

    # Time passes the end of the reservation before the sweep writes its release.
    await Item.update({Item.reserved_until: datetime.now(UTC) - timedelta(minutes=1)}).where(Item.code == code)
    expired = await _get(client, code, member)
    assert expired["status"] == "available" and expired["reserved_by"] is None

    # A photo is set without an event.
    await Item.update({Item.photo: "abcdef0123456789"}).where(Item.code == code)
    assert (await _get(client, code))["photo_url"] == "https://lieu.example/media/abcdef0123456789.jpg"


async def test_the_scan_page_follows_a_photo_and_an_event(client, lieu):
    code = (await intake(client, lieu))["code"]
    first = await client.get(f"/i/{code}")
    assert first.status_code == 200 and "/media/" not in first.text
    assert (await client.get(f"/i/{code}")).text.count("Contreplaqué bouleau") >= 1  # the kept page

    await Item.update({Item.photo: "abcdef0123456789"}).where(Item.code == code)
    assert "/media/abcdef0123456789" in (await client.get(f"/i/{code}")).text

    moved = await client.post(f"/api/v1/items/{code}/move", json={"workshop": "metal"}, headers=auth(lieu, "steward"))
    assert moved.status_code == 200, moved.text
    assert "Atelier métal" in (await client.get(f"/i/{code}")).text


async def test_a_stewards_page_offers_a_workshop_added_after_it_was_kept(client, lieu):
    """Workshops and lieux are added without any item changing: the kept page must list them."""
    code = (await intake(client, lieu))["code"]  # in bois: metal is where it may go
    client.cookies.set("exchange_session", lieu.tokens["steward"])
    first = await client.get(f"/i/{code}")
    assert first.status_code == 200 and 'value="metal"' in first.text and 'value="verre"' not in first.text
    assert 'value="verre"' not in (await client.get(f"/i/{code}")).text  # the kept page

    await Workshop.insert(Workshop(slug="verre", name="Atelier verre", lieu=await first_lieu_id()))
    assert 'value="verre"' in (await client.get(f"/i/{code}")).text
