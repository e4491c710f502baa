"""Imports of a lieu's spreadsheet, on both engines: CSV (Windows-1252, semicolons, decimal
commas, French headers), XLSX and ODS (English headers), bad rows, a second import."""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from conftest import auth

from exchange.tables import Event, ImportRow, Item

FRENCH_CSV = (
    "Catégorie;Désignation;Longueur (mm);Largeur;Épaisseur;Quantité;Poids;Atelier;État;Date\r\n"
    "Contreplaqué;Chute de CP bouleau;1200;400;18;1;4,75;Atelier bois;bon;05/03/2024\r\n"
    "mdf;Panneau MDF;600;300;10;2;;BOIS;;17/11/2025\r\n"
    "acier;Tôle inox;1 000;500;2;1;7,9;Atelier métal;rayée;2025-06-01\r\n"
).encode("cp1252")


async def _post(client, lieu, content: bytes, name: str = "stock.csv", dry_run: bool = False, role: str = "steward"):
    return await client.post(
        "/api/v1/imports",
        params={"dry_run": "true"} if dry_run else None,
        files={"file": (name, content)},
        headers=auth(lieu, role),
    )


async def test_french_windows_1252_semicolon_file(client, lieu):
    answer = await _post(client, lieu, FRENCH_CSV, dry_run=True)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["rows"], body["created"], body["errors"], body["dry_run"]) == (3, 3, [], True)
    assert await Item.count() == 0  # a dry run writes nothing

    answer = await _post(client, lieu, FRENCH_CSV)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert (body["rows"], body["created"], body["skipped"], body["errors"]) == (3, 3, 0, [])
    assert len(body["items"]) == 3 and body["labels_pdf_url"].endswith("/labels.pdf")
    first = (await client.get(f"/api/v1/items/{body['items'][0]}")).json()
    assert (first["category"], first["title"], first["workshop"]) == ("plywood", "Chute de CP bouleau", "bois")
    assert (first["length_mm"], first["width_mm"], first["thickness_mm"]) == (1200, 400, 18)
    assert first["mass_kg"] == 4.75 and first["mass_source"] == "weighed" and first["condition"] == "bon"
    third = (await client.get(f"/api/v1/items/{body['items'][2]}")).json()
    assert (third["category"], third["length_mm"], third["workshop"]) == ("steel", 1000, "metal")
    events = (await client.get(f"/api/v1/items/{body['items'][0]}/events")).json()
    assert [e["kind"] for e in events] == ["intake"]
    paris = ZoneInfo("Europe/Paris")
    assert datetime.fromisoformat(events[0]["occurred_at"]) == datetime(2024, 3, 5, tzinfo=paris)

    labels = await client.get(
        body["labels_pdf_url"].removeprefix("https://lieu.example"), headers=auth(lieu, "steward")
    )
    assert labels.status_code == 200 and labels.content.startswith(b"%PDF")

    # The same file again: every row is known, nothing is created.
    again = (await _post(client, lieu, FRENCH_CSV)).json()
    assert (again["rows"], again["created"], again["skipped"], again["items"]) == (3, 0, 3, [])
    assert await Item.count() == 3 and await Event.count() == 3 and await ImportRow.count() == 3


async def test_bad_rows_write_nothing_and_every_error_is_listed(client, lieu):
    content = (
        b"category,title,length_mm,mass_kg,workshop,date,code\n"
        b"plywood,Good one,1200,3.5,bois,2024-01-01,\n"
        b"unobtainium,Bad category,abc,3.5,bois,2024-01-01,\n"
        b"plywood,,30000,-1,nowhere,31/02/2024,\n"
        b"plywood,Future,100,1,bois,2999-01-01,7K3M-Q9D3\n"
    )
    answer = await _post(client, lieu, content)
    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert body["created"] == 0 and body["items"] == [] and body["labels_pdf_url"] is None
    found = {(e["row"], e["column"]) for e in body["errors"]}
    assert found >= {
        (3, "category"),
        (3, "length_mm"),
        (4, "title"),
        (4, "length_mm"),
        (4, "mass_kg"),
        (4, "workshop"),
        (4, "date"),
        (5, "code"),
    }, body["errors"]
    assert all(e["message"] for e in body["errors"])
    assert await Item.count() == 0 and await ImportRow.count() == 0


async def test_future_date_and_claimed_code_are_the_intakes_own_errors(client, lieu):
    taken = (await _post(client, lieu, b"category,title,workshop\nplywood,Already here,bois\n")).json()["items"][0]
    content = f"category,title,workshop,date,code\nplywood,Future,bois,2999-01-01,\nmdf,Twin,bois,,{taken}\n".encode()
    body = (await _post(client, lieu, content)).json()
    assert [(e["row"], e["column"]) for e in body["errors"]] == [(2, "date"), (3, "code")], body["errors"]
    assert await Item.count() == 1


async def test_missing_columns_and_unreadable_files(client, lieu):
    body = (await _post(client, lieu, b"titre;longueur\nplanche;100\n")).json()
    assert {e["column"] for e in body["errors"]} == {"catégorie", "atelier"} and body["created"] == 0
    for content in (b"", b"\xd0\xcf\x11\xe0rest", b"PK\x03\x04broken"):
        answer = await _post(client, lieu, content)
        assert answer.status_code in (400, 422), answer.text
    assert (await _post(client, lieu, FRENCH_CSV, role="member")).status_code == 403
    assert await Item.count() == 0


def _xlsx(rows: list[list]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _ods(rows: list[list]) -> bytes:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    document = OpenDocumentSpreadsheet()
    table = Table(name="Stock")
    for values in rows:
        row = TableRow()
        for value in values:
            if isinstance(value, int | float):
                cell = TableCell(valuetype="float", value=value)
            else:
                cell = TableCell(valuetype="string")
            cell.addElement(P(text=str(value)))
            row.addElement(cell)
        table.addElement(row)
    document.spreadsheet.addElement(table)
    out = io.BytesIO()
    document.write(out)
    return out.getvalue()


ENGLISH_ROWS = [
    ["Category", "Title", "Length_mm", "Width_mm", "Thickness_mm", "Quantity", "Mass_kg", "Workshop", "Origin"],
    ["Plywood", "Birch offcut", 900, 450, 15, 1, 3.25, "bois", "Scierie Dupont"],
    ["steel", "Angle iron", 2000, 40, 4, 3, 11.5, "Atelier métal", ""],
]


@pytest.mark.parametrize("maker", [_xlsx, _ods], ids=["xlsx", "ods"])
async def test_xlsx_and_ods_with_english_headers(client, lieu, maker):
    body = (await _post(client, lieu, maker(ENGLISH_ROWS), name="stock.bin")).json()
    assert (body["rows"], body["created"], body["errors"]) == (2, 2, []), body
    items = [(await client.get(f"/api/v1/items/{code}")).json() for code in body["items"]]
    assert [(i["category"], i["length_mm"], i["quantity"], i["mass_kg"], i["workshop"]) for i in items] == [
        ("plywood", 900, 1, 3.25, "bois"),
        ("steel", 2000, 3, 11.5, "metal"),
    ]
    assert items[0]["origin"] == "Scierie Dupont"
    assert (await _post(client, lieu, maker(ENGLISH_ROWS))).json()["created"] == 0


async def test_upgrade_of_a_database_with_history(lieu):
    """A database before m0008 that holds items and events: m0008 adds its tables, and the
    first import then writes beside the old ledger."""
    from engines import create_pg_database, drop_pg_database
    from piccolo.querystring import QueryString

    from exchange import db
    from exchange.items import schemas
    from exchange.items.intake import intake
    from exchange.lieu.service import install_shipped_categories
    from exchange.spreadsheets.command import COMMAND_LINE
    from exchange.spreadsheets.imports import import_file
    from exchange.tables import Workshop
    from migrations.m0008_imports_and_printers import ID as m0008

    if lieu.name == "sqlite":
        url = f"sqlite:///{lieu.url.removeprefix('sqlite:///').rpartition('/')[0]}/upgrade-m0008.db"
    else:
        url = await create_pg_database()
    engine = db.engine_from_url(url)
    try:
        await db.migrate(engine)
        await db.start(engine)
        run = engine.run_querystring
        for table in ("import_row", "import_upload", "label_printer"):
            await run(QueryString(f"DROP TABLE {table}"))
        await run(QueryString("DELETE FROM migration WHERE name = {}", m0008))
        await install_shipped_categories()
        await Workshop.insert(Workshop(slug="bois", name="Atelier bois"))
        steward = COMMAND_LINE  # no member in this database
        old = await intake(steward, schemas.ItemCreate(category="plywood", title="Avant", workshop="bois"))
        await db.migrate(engine)
        result = await import_file(steward, b"category,title,workshop\nmdf,Apres,bois\n")
        assert (result.created, result.errors) == (1, [])
        assert {r["code"] for r in await Item.select(Item.code)} == {old.code, *result.items}
        assert await ImportRow.count() == 1
    finally:
        await db.stop(engine)
        db.use_engine(lieu.engine)
        if lieu.name == "postgres":
            await drop_pg_database(url)
