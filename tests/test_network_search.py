"""Scrap nearby, on both engines: `lieu=` and `near=LAT,LON&within_km=` on the items list,
nearest lieu first with its distance, then least leftover for `fit`, then newest; keyset pages."""

from __future__ import annotations

from conftest import auth
from network_support import LYON, other_lieu

from exchange.lieu import schemas
from exchange.tables import Lieu

GRENOBLE = schemas.LieuCreate(
    slug="repair-grenoble", name="Repair Café", city="Grenoble", latitude=45.1885, longitude=5.7245
)
LYON_CENTRE = "45.764,4.8357"


def plank(workshop: str, length: int, width: int, title: str = "Panneau") -> dict:
    return {"category": "plywood", "title": title, "workshop": workshop, "length_mm": length, "width_mm": width,
            "thickness_mm": 18}  # fmt: skip


async def test_near_me_nearest_lieu_first_then_fit_then_newest(client, lieu):
    # the first lieu sits in Villeurbanne, 4.3 km from the centre of Lyon
    await Lieu.update({Lieu.latitude: 45.7719, Lieu.longitude: 4.8902}).where(Lieu.slug == "la-fabrique-test")
    lyon = await other_lieu(LYON, "lyon-bois")
    grenoble = await other_lieu(GRENOBLE, "grenoble-bois", roles=("steward",))
    codes = {}
    for name, workshop, headers, size in (
        ("home-big", "bois", auth(lieu, "steward"), (2000, 1000)),
        ("home-small", "metal", auth(lieu, "steward"), (700, 500)),
        ("lyon-big", "lyon-bois", lyon.auth("steward"), (1500, 1000)),
        ("lyon-small", "lyon-bois", lyon.auth("steward"), (800, 450)),
        ("grenoble", "grenoble-bois", grenoble.auth("steward"), (650, 420)),
    ):
        answer = await client.post("/api/v1/items", json=plank(workshop, *size, title=name), headers=headers)
        assert answer.status_code == 201, answer.text
        codes[name] = answer.json()["code"]

    async def listed(**params) -> list[tuple[str, str, float | None]]:
        answer = await client.get("/api/v1/items", params=params)
        assert answer.status_code == 200, answer.text
        return [(i["title"], i["lieu"], i["distance_km"]) for i in answer.json()["items"]]

    # newest first within each lieu, nearest lieu first
    near = await listed(near=LYON_CENTRE)
    assert [t for t, _, _ in near] == ["lyon-small", "lyon-big", "home-small", "home-big", "grenoble"]
    assert [d for _, _, d in near] == [0.0, 0.0, 4.3, 4.3, 94.3]
    assert near[2][1] == "la-fabrique-test" and near[4][1] == "repair-grenoble"
    # within 50 km: Grenoble is left out; with fit, least leftover first in each lieu
    fit = await listed(near=LYON_CENTRE, within_km=50, fit="600x400x18")
    assert [t for t, _, _ in fit] == ["lyon-small", "lyon-big", "home-small", "home-big"]
    # combined with the other filters
    assert [t for t, _, _ in await listed(near=LYON_CENTRE, min_length_mm=1000)] == ["lyon-big", "home-big"]
    # keyset pages walk the same order, one item at a time
    for params in ({"near": LYON_CENTRE}, {"near": LYON_CENTRE, "fit": "600x400x18"}):
        walked, cursor = [], None
        while True:
            page = (
                await client.get(
                    "/api/v1/items", params={**params, "limit": 1, **({"cursor": cursor} if cursor else {})}
                )
            ).json()
            walked += [i["title"] for i in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert walked == [t for t, _, _ in await listed(**params)]
    # lieu= keeps some lieux; without near, no distance and newest first
    some = await listed(lieu="fablab-lyon,repair-grenoble")
    assert [t for t, _, _ in some] == ["grenoble", "lyon-small", "lyon-big"] and {d for _, _, d in some} == {None}
    assert [t for t, _, _ in await listed(lieu="la-fabrique-test", near=LYON_CENTRE)] == ["home-small", "home-big"]
    # nothing that near: an empty page
    assert await listed(near="48.8566,2.3522", within_km=10) == []
    # bad input is a 4xx naming the parameter
    for params, field in (
        ({"lieu": "nowhere"}, "lieu"),
        ({"near": "45.7"}, "near"),
        ({"near": "north,east"}, "near"),
        ({"near": "95,4"}, "near"),
        ({"within_km": 10}, "within_km"),
    ):
        answer = await client.get("/api/v1/items", params=params)
        assert answer.status_code in (400, 422) and field in answer.text, (params, answer.text)
    assert (await client.get("/api/v1/items", params={"near": LYON_CENTRE, "within_km": -1})).status_code in (400, 422)


async def test_near_me_on_the_list_page_from_the_member_s_lieu(client, lieu):
    await Lieu.update({Lieu.latitude: 45.7719, Lieu.longitude: 4.8902}).where(Lieu.slug == "la-fabrique-test")
    grenoble = await other_lieu(GRENOBLE, "grenoble-bois", roles=("steward",))
    await client.post("/api/v1/items", json=plank("grenoble-bois", 900, 600, "loin"), headers=grenoble.auth("steward"))
    await client.post("/api/v1/items", json=plank("bois", 900, 600, "ici"), headers=auth(lieu, "steward"))
    client.cookies.set("exchange_session", lieu.tokens["member"])
    shown = (await client.get("/items?near=me&within_km=200", headers={"accept-language": "fr"})).text
    assert "Près de chez moi" in shown
    assert shown.index("ici") < shown.index("loin")
    assert "La Fabrique Test · à 0 km" in shown and "Repair Café · à 91,9 km" in shown
    close = (await client.get("/items?near=me&within_km=50", headers={"accept-language": "fr"})).text
    assert "ici" in close and "loin" not in close
