"""Figures per lieu, on both engines, computed by hand: two lieux in different time zones
(Paris, and La Réunion at UTC+4 all year), a transfer between them that falls in January for
the one and in February for the other, and the network's months with the transfer cancelling."""

from __future__ import annotations

from conftest import auth
from network_support import REUNION, other_lieu

from exchange.figures import stock

# 21:30 UTC on 31 January: 22:30 in Paris (January), 01:30 on 1 February in Saint-Denis.
TRANSFER = "2026-01-31T21:30:00+00:00"


async def test_two_lieux_two_time_zones_a_transfer_and_the_network(client, lieu):
    reunion = await other_lieu(REUNION, "reunion-bois")
    home = auth(lieu, "steward")
    steel = {"category": "steel", "title": "Cornière", "workshop": "bois", "mass_kg": 10}
    a = (
        await client.post("/api/v1/items", json={**steel, "occurred_at": "2026-01-10T10:00:00+01:00"}, headers=home)
    ).json()
    sent = await client.post(
        f"/api/v1/items/{a['code']}/transfer", json={"workshop": "reunion-bois", "occurred_at": TRANSFER}, headers=home
    )
    assert sent.status_code == 200, sent.text
    b = {**steel, "workshop": "reunion-bois", "mass_kg": 4, "occurred_at": "2026-01-31T20:30:00+00:00"}
    assert (await client.post("/api/v1/items", json=b, headers=reunion.auth("steward"))).status_code == 201
    used = await client.post(
        f"/api/v1/items/{a['code']}/use",
        json={"occurred_at": "2026-02-15T10:00:00+04:00"},
        headers=reunion.auth("steward"),
    )
    assert used.status_code == 200, used.text
    factor = next(c for c in (await client.get("/api/v1/categories")).json() if c["slug"] == "steel")["reuse_factor"][
        "value"
    ]

    async def figures(month: str, headers: dict, **params) -> dict:
        answer = await client.get("/api/v1/figures", params={"month": month, **params}, headers=headers)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def pick(f: dict) -> tuple:
        return (
            f["opening_stock_kg"],
            f["intake_kg"],
            f["transferred_in_kg"],
            f["transferred_out_kg"],
            f["reused_kg"],
            f["stock_kg"],
        )

    for keep in (False, True):  # summed from the events, then from the kept months: the same
        if keep:
            await stock.keep_stock_ahead()
        # the first lieu, read by its own member (their lieu by default), in Paris time
        jan = await figures("2026-01", auth(lieu, "member"))
        assert (jan["lieu"], jan["timezone"], jan["period_start"]) == (
            "la-fabrique-test",
            "Europe/Paris",
            "2026-01-01T00:00:00+01:00",
        )
        assert pick(jan) == (0, 10, 0, 10, 0, 0)
        assert pick(await figures("2026-02", auth(lieu, "member"))) == (0, 0, 0, 0, 0, 0)
        # La Réunion, read by its own steward: the transfer and B's intake are February there
        rjan = await figures("2026-01", reunion.auth("steward"))
        assert (rjan["lieu"], rjan["timezone"], rjan["period_end"]) == (
            "ressourcerie-974",
            "Indian/Reunion",
            "2026-02-01T00:00:00+04:00",
        )
        assert pick(rjan) == (0, 0, 0, 0, 0, 0)
        rfeb = await figures("2026-02", reunion.auth("steward"))
        assert pick(rfeb) == (0, 4, 10, 0, 10, 4)
        assert rfeb["co2e_avoided_kg"] == round(10 * factor, 3) and rfeb["items_reused"] == 1
        assert rfeb["by_workshop"][0]["workshop"] == "reunion-bois" and len(rfeb["by_workshop"]) == 1
        # the network: January's transfer is still out (in in February there), the balance holds
        network = auth(lieu, "network")
        njan = await figures("2026-01", network, scope="network")
        assert njan["scope"] == "network" and pick(njan) == (0, 10, 0, 10, 0, 0)
        nfeb = await figures("2026-02", network, scope="network")
        assert pick(nfeb) == (0, 4, 10, 0, 10, 4) and nfeb["co2e_avoided_kg"] == rfeb["co2e_avoided_kg"]
        assert [(x["lieu"], x["transferred_in_kg"]) for x in nfeb["by_lieu"]] == [
            ("la-fabrique-test", 0),
            ("ressourcerie-974", 10),
        ]
        # the network coordinator reads any lieu
        assert pick(await figures("2026-02", network, lieu="ressourcerie-974")) == pick(rfeb)

    # a transfer within one month for both cancels in the network's figures
    c = (
        await client.post("/api/v1/items", json={**steel, "occurred_at": "2026-03-02T10:00:00+01:00"}, headers=home)
    ).json()
    await client.post(
        f"/api/v1/items/{c['code']}/transfer",
        json={"workshop": "reunion-bois", "occurred_at": "2026-03-10T10:00:00+01:00"},
        headers=home,
    )
    nmar = await figures("2026-03", auth(lieu, "network"), scope="network")
    assert (nmar["transferred_in_kg"], nmar["transferred_out_kg"], nmar["intake_kg"], nmar["stock_kg"]) == (
        0,
        0,
        10,
        14,
    )

    # a lieu's coordinator reads their own lieu only; the network's figures are the network's
    refused = [
        ("/api/v1/figures", {"month": "2026-02", "lieu": "la-fabrique-test"}, reunion.auth("coordinator")),
        ("/api/v1/figures", {"month": "2026-02", "lieu": "ressourcerie-974"}, auth(lieu, "coordinator")),
        ("/api/v1/figures", {"month": "2026-02", "scope": "network"}, auth(lieu, "coordinator")),
        (
            "/api/v1/figures.csv",
            {"from": "2026-01", "to": "2026-02", "lieu": "ressourcerie-974"},
            auth(lieu, "coordinator"),
        ),
    ]
    for path, params, headers in refused:
        assert (await client.get(path, params=params, headers=headers)).status_code == 403, (path, params)
    own = await client.get(
        "/api/v1/figures.csv", params={"from": "2026-02", "to": "2026-02"}, headers=reunion.auth("coordinator")
    )
    assert own.status_code == 200 and "2026-02,steel,4.000,10.000" in own.text
    unknown = await client.get(
        "/api/v1/figures", params={"month": "2026-02", "lieu": "nowhere"}, headers=auth(lieu, "member")
    )
    assert unknown.status_code == 422
