"""A lieu's records as they leave the app, on both engines: figures.csv, its XLSX and ODS (API and
page), the reader's CSV, the printable report and the ledger (events.csv) are each the lieu they
are asked for (by default the reader's own), with the pieces passed between lieux in columns of
their own, and a lieu's coordinator exports their own lieu only."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from html import unescape

from conftest import auth
from network_support import REUNION, other_lieu
from test_figures_pages import as_role

from exchange.figures.rows import CSV_COLUMNS, FIGURE_COLUMNS
from exchange.spreadsheets.reading import read_sheet

MONTH = "2026-03"
HOME = "la-fabrique-test"


async def _a_transfer_to_la_reunion(client, lieu):
    """10 kg of steel taken in at home, passed to La Réunion and used there; 3 kg stay home."""
    reunion = await other_lieu(REUNION, "reunion-bois")
    home = auth(lieu, "steward")
    steel = {"category": "steel", "title": "Cornière", "workshop": "bois", "mass_kg": 10}
    sent = (
        await client.post("/api/v1/items", json={**steel, "occurred_at": "2026-03-02T10:00:00+01:00"}, headers=home)
    ).json()
    kept = {**steel, "mass_kg": 3, "occurred_at": "2026-03-03T10:00:00+01:00"}
    assert (await client.post("/api/v1/items", json=kept, headers=home)).status_code == 201
    moved = await client.post(
        f"/api/v1/items/{sent['code']}/transfer",
        json={"workshop": "reunion-bois", "occurred_at": "2026-03-10T10:00:00+01:00"},
        headers=home,
    )
    assert moved.status_code == 200, moved.text
    used = await client.post(
        f"/api/v1/items/{sent['code']}/use",
        json={"occurred_at": "2026-03-20T10:00:00+04:00"},
        headers=reunion.auth("steward"),
    )
    assert used.status_code == 200, used.text
    return reunion


def _csv_rows(text: str, delimiter: str = ",") -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter))


def _balances(row: dict) -> bool:
    """opening + intake + adjusted + transferred in = reused + recycled + discarded + loss
    + transferred out + closing, to the gram."""
    kg = {name: Decimal(str(row[name])) for name in FIGURE_COLUMNS if name not in ("reuse_rate", "items_reused")}
    came = kg["opening_stock_kg"] + kg["intake_kg"] + kg["adjusted_kg"] + kg["transferred_in_kg"]
    went = sum(kg[n] for n in ("reused_kg", "recycled_kg", "discarded_kg", "loss_kg", "transferred_out_kg", "stock_kg"))
    return came == went


async def test_figures_csv_carries_the_transfers_and_matches_the_api(client, lieu):
    reunion = await _a_transfer_to_la_reunion(client, lieu)
    for headers, expected in (
        (auth(lieu, "coordinator"), {"intake_kg": "13.000", "transferred_out_kg": "10.000", "stock_kg": "3.000"}),
        (reunion.auth("coordinator"), {"transferred_in_kg": "10.000", "reused_kg": "10.000", "intake_kg": "0.000"}),
    ):
        answer = await client.get("/api/v1/figures.csv", params={"from": MONTH, "to": MONTH}, headers=headers)
        assert answer.status_code == 200, answer.text
        rows = _csv_rows(answer.text)
        assert tuple(rows[0]) == CSV_COLUMNS
        (steel,) = [r for r in rows if r["category"] == "steel"]
        assert {k: steel[k] for k in expected} == expected
        assert _balances(steel)
        # every column is the API's own figure for the month and the category
        month = (await client.get("/api/v1/figures", params={"month": MONTH}, headers=headers)).json()
        (api,) = [c for c in month["by_category"] if c["category"] == "steel"]
        for name in FIGURE_COLUMNS:
            assert Decimal(steel[name] or "0") == Decimal(str(api[name] or 0)), name


async def test_spreadsheets_are_the_lieu_asked_for(client, lieu):
    reunion = await _a_transfer_to_la_reunion(client, lieu)

    def steel_of(content: bytes) -> dict:
        sheet = read_sheet(content)
        rows = [dict(zip(sheet.header, row)) for _, row in sheet.rows]
        (steel,) = [r for r in rows if r[sheet.header[1]] == "steel"]
        return steel

    # the API's XLSX and ODS: La Réunion's coordinator gets La Réunion (it was the first lieu's)
    for fmt in ("xlsx", "ods"):
        answer = await client.get(
            f"/api/v1/figures.{fmt}",
            params={"from": MONTH, "to": MONTH, "lang": "en"},
            headers=reunion.auth("coordinator"),
        )
        assert answer.status_code == 200, answer.text
        assert read_sheet(answer.content).header == list(CSV_COLUMNS)
        steel = steel_of(answer.content)
        assert (steel["intake_kg"], steel["transferred_in_kg"], steel["reused_kg"]) == (0, 10, 10), fmt
        assert _balances(steel)
    french = await client.get(
        "/api/v1/figures.xlsx", params={"from": MONTH, "to": MONTH, "lang": "fr"}, headers=auth(lieu, "coordinator")
    )
    steel = steel_of(french.content)
    assert (steel["reçu d'autres lieux (kg)"], steel["parti vers d'autres lieux (kg)"]) == (0, 10)

    # another lieu's: refused to a lieu's coordinator, given to the network's
    other = {"from": MONTH, "to": MONTH, "lieu": HOME}
    assert (
        await client.get("/api/v1/figures.ods", params=other, headers=reunion.auth("coordinator"))
    ).status_code == 403
    assert (await client.get("/api/v1/figures.xlsx", params=other, headers=auth(lieu, "steward"))).status_code == 403
    network = await client.get(
        "/api/v1/figures.xlsx",
        params={"from": MONTH, "to": MONTH, "lieu": "ressourcerie-974", "lang": "en"},
        headers=auth(lieu, "network"),
    )
    assert steel_of(network.content)["transferred_in_kg"] == 10

    # the page's XLSX for a browser session: the reader's own lieu, or the one asked for
    client.cookies.set("exchange_session", reunion.tokens["coordinator"])
    page = await client.get("/figures/export.xlsx", params={"from": MONTH, "to": MONTH})
    assert page.status_code == 200, page.text
    assert steel_of(page.content)["reçu d'autres lieux (kg)"] == 10
    assert (await client.get("/figures/export.ods", params=other)).status_code == 403


async def test_the_readers_csv_and_the_figures_page_keep_the_lieu(client, lieu):
    reunion = await _a_transfer_to_la_reunion(client, lieu)

    async def reader_rows(**params) -> list[dict[str, str]]:
        answer = await client.get("/figures/export.csv", params={"from": MONTH, "to": MONTH, **params})
        assert answer.status_code == 200, answer.text
        return _csv_rows(answer.content.decode("utf-8"), delimiter=";")

    client.cookies.set("exchange_session", reunion.tokens["coordinator"])
    (there,) = [r for r in await reader_rows() if r["Matériau"] == "Acier"]
    assert there["Atelier"] == "Reunion-Bois"
    assert (there["Reçu d'autres lieux (kg)"], there["Parti vers d'autres lieux (kg)"]) == ("10,000", "0,000")
    as_role(client, lieu, "coordinator")
    (home,) = [r for r in await reader_rows() if r["Matériau"] == "Acier"]
    assert (home["Reçu d'autres lieux (kg)"], home["Parti vers d'autres lieux (kg)"]) == ("0,000", "10,000")

    # the network coordinator on La Réunion's page: the exports and the report stay on it
    as_role(client, lieu, "network")
    page = await client.get("/figures", params={"month": MONTH, "lieu": "ressourcerie-974"})
    assert page.status_code == 200
    export_form = page.text.split('action="/figures/export.csv"', 1)[1].split("</form>", 1)[0]
    assert '<input type="hidden" name="lieu" value="ressourcerie-974">' in export_form
    assert "/figures/report?month=2026-03&amp;lieu=ressourcerie-974" in page.text
    (there,) = [r for r in await reader_rows(lieu="ressourcerie-974") if r["Matériau"] == "Acier"]
    assert there["Reçu d'autres lieux (kg)"] == "10,000"

    # the printable report of La Réunion: its name, its month in its own hours
    report = await client.get("/figures/report", params={"month": MONTH, "lieu": "ressourcerie-974"})
    assert report.status_code == 200
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", report.text)).replace("\u00a0", " ").split())
    assert "Rapport mensuel — Ressourcerie — mars 2026" in text
    assert "Du 1er mars 2026 à 00:00 au 1er avril 2026 à 00:00 (heure d'Indian/Reunion)" in text


async def test_the_ledger_export_is_the_lieus_own_in_its_own_days(client, lieu):
    reunion = await _a_transfer_to_la_reunion(client, lieu)
    # 21:30 UTC on 31 March: still March in Paris, already April in Saint-Denis
    late = {"category": "steel", "title": "Tôle", "workshop": "reunion-bois", "mass_kg": 2}
    late["occurred_at"] = "2026-03-31T21:30:00+00:00"
    assert (await client.post("/api/v1/items", json=late, headers=reunion.auth("steward"))).status_code == 201

    async def ledger(headers: dict, **params) -> list[dict[str, str]]:
        answer = await client.get(
            "/api/v1/events.csv", params={"from": MONTH, "to": MONTH, "lang": "en", **params}, headers=headers
        )
        assert answer.status_code == 200, answer.text
        return _csv_rows(answer.text)

    home = await ledger(auth(lieu, "coordinator"))
    assert [(e["kind"], e["workshop"], e["from_workshop"]) for e in home] == [
        ("intake", "bois", ""),
        ("intake", "bois", ""),
        ("transfer", "reunion-bois", "bois"),
    ]
    there = await ledger(reunion.auth("coordinator"))
    assert [(e["kind"], e["mass_kg"]) for e in there] == [("transfer", "10"), ("use", "10")]
    assert there[1]["occurred_at"] == "2026-03-20T10:00:00+04:00"  # its own clock
    april = await ledger(reunion.auth("coordinator"), **{"from": "2026-04", "to": "2026-04"})
    assert [(e["kind"], e["occurred_at"]) for e in april] == [("intake", "2026-04-01T01:30:00+04:00")]
    # another lieu's ledger: refused to a lieu's coordinator, given to the network's
    refused = await client.get(
        "/api/v1/events.csv", params={"from": MONTH, "to": MONTH, "lieu": HOME}, headers=reunion.auth("coordinator")
    )
    assert refused.status_code == 403
    assert await ledger(auth(lieu, "network"), lieu="ressourcerie-974") == there
