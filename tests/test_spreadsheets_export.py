"""Exports on both engines: opened back with the libraries that read them (numbers are
numbers), semicolons and decimal commas on request, and an items export imported into an
empty installation gives back the same items."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from conftest import auth, reset_ledger

from exchange.spreadsheets.reading import read_sheet

NOW = datetime.now(UTC)
MONTH = NOW.strftime("%Y-%m")


async def _stock(client, lieu) -> list[dict]:
    bodies = [
        {
            "category": "plywood",
            "title": "CP bouleau",
            "workshop": "bois",
            "length_mm": 1200,
            "width_mm": 400,
            "thickness_mm": 18,
            "mass_kg": 4.75,
            "condition": "bon",
            "note": "près de la porte; à gauche",
        },
        {
            "category": "mdf",
            "title": "Panneau, MDF",
            "workshop": "bois",
            "length_mm": 600,
            "width_mm": 300,
            "thickness_mm": 10,
            "quantity": 2,
        },
        {"category": "steel", "title": "Tôle", "workshop": "metal", "mass_kg": 12.125, "origin": "Garage Martin"},
    ]
    items = []
    for body in bodies:
        answer = await client.post("/api/v1/items", json=body, headers=auth(lieu, "steward"))
        assert answer.status_code == 201, answer.text
        items.append(answer.json())
    return items


def _kept(item: dict) -> dict:
    """What an export keeps: the item's fields, its intake's date to the second."""
    kept = {k: item[k] for k in KEPT}
    kept["created_at"] = datetime.fromisoformat(item["created_at"]).replace(microsecond=0)
    return kept


KEPT = (
    "code",
    "category",
    "title",
    "length_mm",
    "width_mm",
    "thickness_mm",
    "quantity",
    "mass_kg",
    "workshop",
    "condition",
    "origin",
    "note",
    "created_at",
)


async def test_items_export_imported_into_an_empty_installation(client, lieu):
    before = sorted((_kept(i) for i in await _stock(client, lieu)), key=lambda i: i["code"])
    for fmt, params in (("csv", {"sep": "semicolon"}), ("xlsx", {}), ("ods", {"lang": "en"})):
        export = await client.get(
            f"/api/v1/items.{fmt}", params={"status": "any", **params}, headers=auth(lieu, "steward")
        )
        assert export.status_code == 200, export.text
        await reset_ledger(lieu)
        answer = await client.post(
            "/api/v1/imports", files={"file": (f"items.{fmt}", export.content)}, headers=auth(lieu, "steward")
        )
        assert answer.status_code == 201, answer.text
        assert sorted(answer.json()["items"]) == [i["code"] for i in before]
        page = (await client.get("/api/v1/items", params={"status": "any"})).json()["items"]
        after = sorted((_kept(i) for i in page), key=lambda i: i["code"])
        assert after == before, fmt


async def test_exports_open_with_numbers_as_numbers(client, lieu):
    await _stock(client, lieu)
    coordinator = auth(lieu, "coordinator")
    xlsx = await client.get("/api/v1/items.xlsx", headers={**coordinator, "Accept-Language": "fr"})
    sheet = read_sheet(xlsx.content)
    assert sheet.header[:3] == ["code", "catégorie", "titre"]
    masses = {row[2]: row[7] for _, row in sheet.rows}
    assert masses["CP bouleau"] == 4.75 and isinstance(masses["CP bouleau"], float)
    assert any(isinstance(row[3], int) and row[3] == 1200 for _, row in sheet.rows)

    answer = await client.get("/api/v1/items.csv", params={"sep": "semicolon"}, headers=coordinator)
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"  # the charset said once
    text = answer.content
    assert text.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(text.decode("utf-8-sig")), delimiter=";"))
    assert "4,75" in {cell for row in rows for cell in row} and "près de la porte; à gauche" in rows[-1] + rows[1]

    for fmt in ("xlsx", "ods"):
        answer = await client.get(
            f"/api/v1/figures.{fmt}", params={"from": MONTH, "to": MONTH, "lang": "en"}, headers=coordinator
        )
        assert answer.status_code == 200, answer.text
        figures = read_sheet(answer.content)
        assert figures.header[:3] == ["month", "category", "intake_kg"]
        by_category = {row[1]: row for _, row in figures.rows}
        assert by_category["plywood"][2] == 4.75 and by_category["steel"][2] == 12.125
        assert all(isinstance(row[2], int | float) for row in by_category.values())
    french = read_sheet(
        (
            await client.get(
                "/api/v1/figures.ods",
                params={"from": MONTH, "to": MONTH},
                headers={**coordinator, "Accept-Language": "fr-FR"},
            )
        ).content
    )
    assert french.header[:3] == ["mois", "catégorie", "entrées (kg)"]
    semicolon = (
        await client.get(
            "/api/v1/figures.csv", params={"from": MONTH, "to": MONTH, "sep": "semicolon"}, headers=coordinator
        )
    ).content.decode("utf-8-sig")
    assert semicolon.startswith("month;category;intake_kg") and ";4,75;" in semicolon

    events = await client.get(
        "/api/v1/events.csv",
        params={"from": MONTH, "to": NOW.date().isoformat(), "sep": "semicolon", "lang": "en"},
        headers=coordinator,
    )
    assert events.status_code == 200, events.text
    ledger = list(csv.DictReader(io.StringIO(events.content.decode("utf-8-sig")), delimiter=";"))
    assert [e["kind"] for e in ledger] == ["intake"] * 3 and ledger[2]["mass_kg"] == "12,125"
    assert (
        await client.get("/api/v1/events.csv", params={"from": "2025-13", "to": MONTH}, headers=coordinator)
    ).status_code == 422
    assert (
        await client.get("/api/v1/events.csv", params={"from": MONTH, "to": MONTH}, headers=auth(lieu, "steward"))
    ).status_code == 403
