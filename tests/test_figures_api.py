"""The figures API over HTTP, on both engines: access, CSV, trend, factor overrides."""

from __future__ import annotations

import csv
import io

import pytest
from conftest import auth
from network_support import LYON, other_lieu
from test_figures_support import SHIPPED, History, drop_lieu_factor_sets

from exchange.figures import rows
from exchange.figures.rows import CSV_COLUMNS

pytestmark = pytest.mark.stock_sqlite_too  # also on Piccolo's stock SQLite engine (conftest)


@pytest.fixture
async def factor_sets_restored(lieu):
    """Overrides make new factor sets; the ledger reset keeps factor sets, so drop them after."""
    await drop_lieu_factor_sets()
    yield
    await drop_lieu_factor_sets()


@pytest.fixture
async def months(lieu):
    """January: 12 kg steel in, 4 kg of it used. February: a 6 kg plywood panel in and recycled."""
    await drop_lieu_factor_sets()
    h = History(lieu)
    steel = await h.intake("2025-01-10T10:00:00+01:00", category="steel", workshop="metal", mass_kg=4)
    await h.intake("2025-01-11T10:00:00+01:00", category="steel", workshop="metal", mass_kg=8)
    await h.act("use", steel, "2025-01-20T10:00:00+01:00")
    panel = await h.intake("2025-02-03T10:00:00+01:00", category="plywood", workshop="bois", mass_kg=6)
    await h.act("recycle", panel, "2025-02-04T10:00:00+01:00")


async def test_figures_need_a_login(client, lieu, months):
    assert (await client.get("/api/v1/figures?month=2025-01")).status_code == 401
    response = await client.get("/api/v1/figures?month=2025-01", headers=auth(lieu, "member"))
    assert response.status_code == 200, response.text
    body = response.json()
    # 12 in, 4 used x 1.55 (steel reuse) = 6.2 kg CO2e, 8 left
    assert (body["intake_kg"], body["reused_kg"], body["stock_kg"], body["co2e_avoided_kg"]) == (12.0, 4.0, 8.0, 6.2)
    assert body["factor_set"]["version"] == SHIPPED
    assert {"version", "created_at", "note"} <= set(body["factor_set"])
    assert [c["category"] for c in body["by_category"]] == ["steel"]
    assert [w["workshop"] for w in body["by_workshop"]] == ["bois", "metal"]
    assert (await client.get("/api/v1/figures/trend", headers={})).status_code == 401


async def test_bad_month_is_a_problem_naming_the_field(client, lieu):
    response = await client.get("/api/v1/figures?month=2025-1", headers=auth(lieu, "member"))
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["field"] == "month"
    response = await client.get("/api/v1/figures.csv?from=2025-03&to=2025-01", headers=auth(lieu, "coordinator"))
    assert response.status_code == 422 and response.json()["field"] == "to"


async def test_csv_is_for_coordinators_and_parses(client, lieu, months):
    url = "/api/v1/figures.csv?from=2025-01&to=2025-03"
    assert (await client.get(url)).status_code == 401
    assert (await client.get(url, headers=auth(lieu, "steward"))).status_code == 403
    response = await client.get(url, headers=auth(lieu, "coordinator"))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads it as UTF-8
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert tuple(rows[0].keys()) == CSV_COLUMNS
    # one row per month and category: plywood and steel have something to say in the range
    assert [(r["month"], r["category"]) for r in rows] == [
        ("2025-01", "plywood"),
        ("2025-01", "steel"),
        ("2025-02", "plywood"),
        ("2025-02", "steel"),
        ("2025-03", "plywood"),
        ("2025-03", "steel"),
    ]
    by = {(r["month"], r["category"]): r for r in rows}
    jan_steel = by[("2025-01", "steel")]
    assert (jan_steel["intake_kg"], jan_steel["reused_kg"], jan_steel["stock_kg"]) == ("12.000", "4.000", "8.000")
    assert (jan_steel["reuse_rate"], jan_steel["co2e_avoided_kg"], jan_steel["items_reused"]) == (
        "1.0000",
        "6.200",
        "1",
    )
    assert by[("2025-01", "plywood")]["reuse_rate"] == ""  # nothing left: no rate
    feb_plywood = by[("2025-02", "plywood")]
    # 6 kg recycled x 0 (no recycling credit claimed for plywood) = 0
    assert (feb_plywood["recycled_kg"], feb_plywood["co2e_avoided_kg"]) == ("6.000", "0.000")
    assert by[("2025-03", "steel")]["opening_stock_kg"] == "8.000"
    assert {r["factor_set"] for r in rows} == {SHIPPED}


async def test_trend_of_twelve_months(client, lieu, months):
    response = await client.get("/api/v1/figures/trend?months=12&end=2025-02", headers=auth(lieu, "member"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert [m["month"] for m in body["months"]][:2] == ["2024-03", "2024-04"]
    assert body["months"][-2:] == [
        {"month": "2025-01", "reused_kg": 4.0, "recycled_kg": 0.0, "discarded_kg": 0.0, "co2e_avoided_kg": 6.2},
        {"month": "2025-02", "reused_kg": 0.0, "recycled_kg": 6.0, "discarded_kg": 0.0, "co2e_avoided_kg": 0.0},
    ]
    assert len(body["months"]) == 12
    assert (await client.get("/api/v1/figures/trend?months=0", headers=auth(lieu, "member"))).status_code in (400, 422)


async def test_on_a_network_only_its_coordinator_overrides_a_factor(client, lieu, factor_sets_restored):
    """The current factor set is every lieu's: a lieu's coordinator would change the others'
    CO2e, so on a network the network coordinator alone makes a new one."""
    body = {"kind": "reuse", "value": 0.5, "source": "Étude régionale", "version": "2026"}
    url = "/api/v1/categories/plywood/factors"
    before = (await client.get("/api/v1/factor-sets")).json()
    await other_lieu(LYON, "lyon-bois")
    refused = await client.post(url, json=body, headers=auth(lieu, "coordinator"))
    assert refused.status_code == 403 and "network coordinator" in refused.json()["detail"]
    assert (await client.get("/api/v1/factor-sets")).json() == before  # nothing made
    client.cookies.set("exchange_session", lieu.tokens["coordinator"])  # a browser session
    page = await client.get("/figures/methodology", headers={"Accept-Language": "fr"})
    assert 'action="/figures/methodology/factors"' not in page.text
    assert "seul le coordinateur du réseau les change" in page.text
    made = await client.post(url, json=body, headers=auth(lieu, "network"))
    assert made.status_code == 201 and made.json()["current"], made.text
    client.cookies.set("exchange_session", lieu.tokens["network"])
    assert 'action="/figures/methodology/factors"' in (await client.get("/figures/methodology")).text


async def test_factor_override_makes_a_new_version(client, lieu, months, factor_sets_restored):
    body = {
        "kind": "recycle",
        "value": 0.35,
        "source": "Lieu's own study",
        "version": "2025",
        "entry": "plywood to particleboard",
        "note": "measured with our recycler",
    }
    url = "/api/v1/categories/plywood/factors"
    assert (await client.post(url, json=body)).status_code == 401
    assert (await client.post(url, json=body, headers=auth(lieu, "steward"))).status_code == 403
    response = await client.post(url, json=body, headers=auth(lieu, "coordinator"))
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["version"] == f"{SHIPPED}+lieu.1" and created["current"]
    factor = next(f for f in created["factors"] if (f["category"], f["kind"]) == ("plywood", "recycle"))
    assert (factor["value"], factor["source"], factor["unit"]) == (0.35, "Lieu's own study", "kg CO2e/kg")
    reuse = next(f for f in created["factors"] if (f["category"], f["kind"]) == ("plywood", "reuse"))
    assert reuse["value"] == 0.681  # the rest copied
    # What changed, said in the installation's language (its first lieu's: French here).
    assert created["note"] == (
        "Contreplaqué, facteur de recyclage : 0,35 kg CO2e/kg (avant : 0), source : Lieu's own study 2025,"
        f" plywood to particleboard. Tous les autres facteurs comme dans {SHIPPED}."
    )

    # The figures now say which set they used: 6 kg plywood recycled x 0.35 = 2.1 kg CO2e
    feb = (await client.get("/api/v1/figures?month=2025-02", headers=auth(lieu, "member"))).json()
    assert (feb["co2e_avoided_kg"], feb["factor_set"]["version"]) == (2.1, f"{SHIPPED}+lieu.1")
    # ...and the month can be recomputed with the version it was first published with
    old = (await client.get(f"/api/v1/figures?month=2025-02&factor_set={SHIPPED}", headers=auth(lieu, "member"))).json()
    assert (old["co2e_avoided_kg"], old["factor_set"]["version"]) == (0.0, SHIPPED)

    second = await client.post(url, json={**body, "value": 0.4}, headers=auth(lieu, "coordinator"))
    assert second.json()["version"] == f"{SHIPPED}+lieu.2"
    same = await client.post(url, json={**body, "value": 0.4}, headers=auth(lieu, "coordinator"))
    assert same.status_code == 422
    listed = (await client.get("/api/v1/factor-sets")).json()
    assert [(s["version"], s["current"]) for s in listed] == [
        (f"{SHIPPED}+lieu.2", True),
        (f"{SHIPPED}+lieu.1", False),
        (SHIPPED, False),
    ]
    detail = await client.get(f"/api/v1/factor-sets/{SHIPPED}")
    assert detail.status_code == 200 and not detail.json()["current"]
    unknown = await client.post("/api/v1/categories/unobtainium/factors", json=body, headers=auth(lieu, "coordinator"))
    assert unknown.status_code == 404
    bad = await client.post(url, json={**body, "kind": "landfill"}, headers=auth(lieu, "coordinator"))
    assert bad.status_code in (400, 422)

    csv_text = await rows.figures_csv("2025-02", "2025-02", factor_set=f"{SHIPPED}+lieu.1")
    assert f"{SHIPPED}+lieu.1" in csv_text and ",2.100," in csv_text
