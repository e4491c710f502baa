"""Limits that hold whatever the input: an estimated mass obeys the 10,000 kg of a weighed one
(intake, adjust, split: a 422 naming the dimensions, nothing written), and a member holds at
most EXCHANGE_MAX_RESERVATIONS items at once. On both engines."""

from __future__ import annotations

import dataclasses

from conftest import auth
from hypothesis import given, settings
from hypothesis import strategies as st

from exchange.items import actions
from exchange.ledger.mass import resolve_mass
from exchange.ledger.rules import MAX_MASS_G, Invalid
from exchange.settings import get_settings
from exchange.tables import Event, Item

HUGE = {"length_mm": 20000, "width_mm": 20000, "thickness_mm": 20000}


async def intake(client, lieu, **fields):
    body = {"category": "plywood", "title": "Panneau", "workshop": "bois", **fields}
    return await client.post("/api/v1/items", json=body, headers=auth(lieu, "steward"))


async def test_an_estimated_mass_beyond_the_limit_is_refused_naming_the_dimensions(client, lieu):
    refused = await intake(client, lieu, **HUGE, quantity=10000)
    assert refused.status_code == 422
    assert "20000 x 20000 x 20000 mm x 10000" in refused.json()["detail"] and "10000 kg" in refused.json()["detail"]
    assert await Item.count() == 0 and await Event.count() == 0
    weighed = await intake(client, lieu, **HUGE, mass_kg=12.5)  # a weighing beats the estimate
    assert weighed.status_code == 201

    plank = (await intake(client, lieu, length_mm=2000, width_mm=1000, thickness_mm=18)).json()
    events = await Event.count()
    adjust = await client.post(
        f"/api/v1/items/{plank['code']}/adjust",
        json={**HUGE, "note": "typo in the size"},
        headers=auth(lieu, "steward"),
    )
    assert adjust.status_code == 422 and "20000 x 20000 x 20000 mm" in adjust.json()["detail"]
    assert await Event.count() == events

    # A parent logged before the limit held for estimates: its pieces cannot carry it on.
    await Item.update({Item.mass_g: 3 * MAX_MASS_G}).where(Item.code == plank["code"])
    pieces = [
        {"length_mm": 1900, "width_mm": 1000, "thickness_mm": 18},
        {"length_mm": 50, "width_mm": 50, "thickness_mm": 18},
    ]
    split = await client.post(
        f"/api/v1/items/{plank['code']}/split", json={"pieces": pieces}, headers=auth(lieu, "steward")
    )
    assert split.status_code == 422 and "1900 x 1000 x 18 mm" in split.json()["detail"]
    assert await Event.count() == events


async def test_a_member_holds_at_most_the_set_number_of_reservations(client, lieu, monkeypatch):
    two = dataclasses.replace(get_settings(), max_reservations=2)
    monkeypatch.setattr(actions, "get_settings", lambda: two)
    codes = [(await intake(client, lieu, mass_kg=1.0)).json()["code"] for _ in range(3)]
    member = auth(lieu, "member")
    for code in codes[:2]:
        assert (await client.post(f"/api/v1/items/{code}/reserve", json={}, headers=member)).status_code == 200
    third = await client.post(f"/api/v1/items/{codes[2]}/reserve", json={}, headers=member)
    assert third.status_code == 409 and "2 reservations" in third.json()["detail"]
    again = await client.post(f"/api/v1/items/{codes[0]}/reserve", json={"hours": 48}, headers=member)
    assert again.status_code in (200, 409) and "reservations" not in again.text  # one's own: no new hold
    assert (
        await client.post(f"/api/v1/items/{codes[2]}/reserve", json={}, headers=auth(lieu, "other"))
    ).status_code == 200
    await client.post(f"/api/v1/items/{codes[1]}/release", json={}, headers=member)
    assert (await client.post(f"/api/v1/items/{codes[1]}/reserve", json={}, headers=member)).status_code == 200


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 20000),
    st.integers(1, 20000),
    st.integers(1, 20000),
    st.integers(1, 10000),
    st.sampled_from([50, 600, 7850]),
)
def test_no_estimate_past_the_limit_is_ever_taken(length, width, thickness, quantity, density):
    try:
        mass_g, source = resolve_mass(None, length, width, thickness, quantity, density)
    except Invalid as error:
        assert f"{length} x {width} x {thickness} mm" in error.message
        assert length * width * thickness * quantity * density > MAX_MASS_G * 10**6  # truly beyond
    else:
        assert source == "estimated" and mass_g <= MAX_MASS_G
