"""Session, workshops, categories, the OpenAPI document, reservations that expire by themselves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from conftest import PASSWORD, auth

from exchange.items import actions
from exchange.tables import Event, Item

CONTRACT = [
    ("post", "/api/v1/session"),
    ("get", "/api/v1/workshops"),
    ("post", "/api/v1/workshops"),
    ("get", "/api/v1/categories"),
    ("post", "/api/v1/items"),
    ("get", "/api/v1/items"),
    ("get", "/api/v1/items/{code}"),
    ("post", "/api/v1/items/{code}/move"),
    ("post", "/api/v1/items/{code}/reserve"),
    ("post", "/api/v1/items/{code}/release"),
    ("post", "/api/v1/items/{code}/use"),
    ("post", "/api/v1/items/{code}/recycle"),
    ("post", "/api/v1/items/{code}/discard"),
    ("post", "/api/v1/items/{code}/split"),
    ("post", "/api/v1/items/{code}/adjust"),
    ("get", "/api/v1/items/{code}/events"),
    ("get", "/api/v1/items/{code}/label.png"),
    ("get", "/api/v1/labels/layouts"),
    ("get", "/api/v1/labels.pdf"),
    ("post", "/api/v1/labels/batch"),
]


async def test_openapi_lists_every_route_of_the_contract(client, lieu):
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    missing = [(m, p) for m, p in CONTRACT if m not in paths.get(p, {})]
    assert missing == []


async def test_login_gives_a_working_token_and_logout_ends_it(client, lieu):
    wrong = await client.post("/api/v1/session", json={"email": "member@lieu.example", "password": "nope"})
    assert wrong.status_code == 401 and "token" not in wrong.json()
    response = await client.post("/api/v1/session", json={"email": " Member@Lieu.example ", "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["member"]["role"] == "member"
    headers = {"Authorization": f"Bearer {body['token']}"}
    assert (await client.post("/api/v1/workshops", json={"slug": "x", "name": "X"}, headers=headers)).status_code == 403
    assert (await client.delete("/api/v1/session", headers=headers)).status_code == 204
    assert (await client.delete("/api/v1/session", headers=headers)).status_code == 401


async def test_workshops_created_by_coordinators(client, lieu):
    created = await client.post(
        "/api/v1/workshops", json={"slug": "verre", "name": "Atelier verre"}, headers=auth(lieu, "coordinator")
    )
    assert created.status_code == 201
    assert (
        await client.post("/api/v1/workshops", json={"slug": "verre", "name": "Bis"}, headers=auth(lieu, "coordinator"))
    ).status_code == 422
    assert (
        await client.post(
            "/api/v1/workshops", json={"slug": "Bad Slug", "name": "X"}, headers=auth(lieu, "coordinator")
        )
    ).json()["field"] == "slug"
    slugs = [w["slug"] for w in (await client.get("/api/v1/workshops")).json()]
    assert sorted(slugs) == ["bois", "metal", "verre"]


async def test_categories_carry_density_and_factor_provenance(client, lieu):
    categories = {c["slug"]: c for c in (await client.get("/api/v1/categories")).json()}
    plywood = categories["plywood"]
    assert plywood["density_kg_m3"] > 0
    factor = plywood["reuse_factor"]
    assert factor["unit"] == "kg CO2e/kg" and factor["source"] and factor["version"] and factor["value"] > 0
    # Values come back exactly as shipped on both engines (no single-precision noise).
    from exchange.categories import shipped_categories

    for data in shipped_categories():
        served = categories[data.slug]
        assert served["reuse_factor"]["value"] == data.reuse_factor.value
        assert served["recycle_factor"]["value"] == data.recycle_factor.value
        assert served["density_kg_m3"] == data.density_kg_m3


async def test_a_reservation_past_its_expiry_is_available_again_with_its_release_event(client, lieu):
    start = datetime.now(UTC) - timedelta(hours=3)
    item = await client.post(
        "/api/v1/items",
        json={
            "category": "steel",
            "title": "Tube",
            "workshop": "metal",
            "mass_kg": 3,
            "occurred_at": start.isoformat(),
        },
        headers=auth(lieu, "steward"),
    )
    code = item.json()["code"]
    reserved = await client.post(
        f"/api/v1/items/{code}/reserve",
        json={"hours": 1, "occurred_at": (start + timedelta(minutes=5)).isoformat()},
        headers=auth(lieu, "steward"),
    )
    assert reserved.status_code == 200
    # Past its expiry the item reads as available before anyone acts...
    shown = (await client.get(f"/api/v1/items/{code}")).json()
    assert shown["status"] == "available" and shown["reserved_by"] is None
    listed = (await client.get("/api/v1/items")).json()["items"]
    assert [i["code"] for i in listed] == [code]
    # ...and the sweep writes the release, dated at the expiry.
    assert await actions.expire_reservations() == 1
    assert await actions.expire_reservations() == 0
    events = (await client.get(f"/api/v1/items/{code}/events")).json()
    assert [e["kind"] for e in events] == ["intake", "reserve", "release"]
    released_at = datetime.fromisoformat(events[-1]["occurred_at"])
    assert abs(released_at - (start + timedelta(minutes=65))) < timedelta(seconds=1)
    row = await Item.select(Item.status).where(Item.code == code).first()
    assert row["status"] == "available"
    assert await Event.count().where(Event.kind == "release") == 1


async def test_list_filters_fit_and_pagination(client, lieu):
    steward = auth(lieu, "steward")
    sizes = [(1200, 600, 18), (700, 450, 18), (650, 420, 18), (2000, 1000, 18), (700, 450, 12), (300, 200, 18)]
    codes = {}
    for length, width, thickness in sizes:
        body = {
            "category": "plywood",
            "title": f"CP {length}",
            "workshop": "bois",
            "length_mm": length,
            "width_mm": width,
            "thickness_mm": thickness,
        }
        codes[(length, width, thickness)] = (await client.post("/api/v1/items", json=body, headers=steward)).json()[
            "code"
        ]
    # A 600 x 400 x 18 part: the smallest leftover first; rotation in the plane allowed (400 x 600 asks the same).
    for fit in ("600x400x18", "400 x 600 x 18"):
        found = [i["code"] for i in (await client.get("/api/v1/items", params={"fit": fit})).json()["items"]]
        assert found == [codes[(650, 420, 18)], codes[(700, 450, 18)], codes[(1200, 600, 18)], codes[(2000, 1000, 18)]]
    minimum = (
        await client.get("/api/v1/items", params={"min_length_mm": 450, "min_width_mm": 700, "thickness_mm": 18})
    ).json()
    assert {i["code"] for i in minimum["items"]} == {
        codes[(700, 450, 18)],
        codes[(1200, 600, 18)],
        codes[(2000, 1000, 18)],
    }
    # Keyset pages: newest first, two by two, every item once.
    seen, cursor = [], None
    while True:
        page = (await client.get("/api/v1/items", params={"limit": 2, **({"cursor": cursor} if cursor else {})})).json()
        seen += [i["code"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(list(codes.values())))
    fit_pages = (await client.get("/api/v1/items", params={"fit": "600x400x18", "limit": 3})).json()
    rest = (
        await client.get("/api/v1/items", params={"fit": "600x400x18", "limit": 3, "cursor": fit_pages["next_cursor"]})
    ).json()
    assert [i["code"] for i in rest["items"]] == [codes[(2000, 1000, 18)]] and rest["next_cursor"] is None
    assert (await client.get("/api/v1/items", params={"cursor": "garbage"})).status_code == 422
    assert (await client.get("/api/v1/items", params={"limit": 500})).status_code in (400, 422)
    assert (await client.get("/api/v1/items", params={"fit": "600x400"})).json()["field"] == "fit"
    # Every word where a word begins (the search of the items list): "cp 20" finds CP 2000, not CP 1200.
    text = (await client.get("/api/v1/items", params={"q": "cp 20"})).json()["items"]
    assert [i["code"] for i in text] == [codes[(2000, 1000, 18)]]


async def test_login_is_throttled_per_account(client, lieu):
    from exchange.auth import throttle

    for _ in range(throttle.PER_ACCOUNT):
        assert (
            await client.post("/api/v1/session", json={"email": "other@lieu.example", "password": "guess"})
        ).status_code == 401
    blocked = await client.post("/api/v1/session", json={"email": "other@lieu.example", "password": PASSWORD})
    assert blocked.status_code == 429
    # another account from the same address still logs in
    assert (
        await client.post("/api/v1/session", json={"email": "member@lieu.example", "password": PASSWORD})
    ).status_code == 200


async def test_security_headers_on_every_answer(client, lieu):
    for path in ("/api/v1/items", "/api/v1/items/nope", "/schema/openapi.json"):
        response = await client.get(path)
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["strict-transport-security"]  # the test base URL is https


async def test_request_bodies_are_capped(client, lieu):
    huge = {"category": "plywood", "title": "x", "workshop": "bois", "note": "a" * (2 * 1024 * 1024)}
    response = await client.post("/api/v1/items", json=huge, headers=auth(lieu, "steward"))
    assert response.status_code == 413 and response.headers["content-type"] == "application/problem+json"
    assert (await client.get("/api/v1/items", params={"status": "any"})).json()["items"] == []
