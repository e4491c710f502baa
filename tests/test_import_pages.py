"""The steward's pages for spreadsheets, on both engines: /import shows every row and its
errors before anything is written, then streams its progress; the exports and "print on ...".
"""

from __future__ import annotations

import asyncio

from test_label_printers import fake_printer
from test_web_pages import csrf_of, log_in, text_of

from exchange.spreadsheets import imports
from exchange.tables import Item

GOOD = "catégorie;titre;atelier;longueur;masse\ncontreplaqué;Chute A;bois;1200;4,5\nmdf;Chute B;Atelier métal;600;\n"
BAD = "catégorie;titre;atelier;longueur\ncontreplaqué;Chute A;bois;abc\nverre;;cuisine;600\n"


async def test_preview_then_confirm_with_progress(client, lieu, monkeypatch):
    token = await log_in(client, "steward")
    assert (await client.get("/import")).status_code == 200
    # Bad rows: every error shown, no way to confirm, nothing written.
    bad = await client.post("/import", data={"_csrf_token": token}, files={"file": ("s.csv", BAD.encode())})
    assert bad.status_code == 200 and 'id="import-confirm"' not in bad.text
    errors = text_of(bad.text.split('id="import-errors"')[1].split("</table>")[0])
    assert "2 longueur" in errors and "3 titre" in errors and "3 atelier" in errors
    assert "abc n'est pas un nombre" in errors and "Le champ title manque" in errors  # in the reader's language
    assert await Item.count() == 0

    monkeypatch.setattr(imports, "PROGRESS_EVERY", 1)  # a step per row, as thousands of rows would show
    preview = await client.post("/import", data={"_csrf_token": token}, files={"file": ("s.csv", GOOD.encode())})
    assert preview.status_code == 200 and "Chute B" in preview.text and await Item.count() == 0
    confirm = csrf_of(preview.text)
    upload = preview.text.split('name="token" value="')[1].split('"')[0]
    run = await client.post("/import/confirm", data={"_csrf_token": confirm, "token": upload})
    assert run.status_code == 200, run.text
    assert 'class="import-progress"' in run.text and "1 / 2 lignes" in run.text and "2 / 2 lignes" in run.text
    assert await Item.count() == 2 and "/labels.pdf?part=1" in run.text
    pdf_link = run.text.split('href="')[[i for i, p in enumerate(run.text.split('href="')) if "labels.pdf" in p][0]]
    pdf = await client.get(pdf_link.split('"')[0].replace("&amp;", "&"))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # The kept file is gone: confirming twice writes nothing more.
    again = await client.post("/import/confirm", data={"_csrf_token": confirm, "token": upload})
    assert again.status_code == 303 and await Item.count() == 2


async def test_exports_and_print_on_from_the_pages(client, lieu):
    token = await log_in(client, "coordinator")
    await client.post("/import", data={"_csrf_token": token}, files={"file": ("s.csv", GOOD.encode())})
    codes = [row["code"] for row in await Item.select(Item.code)]
    assert codes == []  # a preview writes nothing
    result = await imports.import_file(lieu.members["steward"], GOOD.encode())
    listed = await client.get("/items", params={"workshop": "bois"})
    assert "/items/export.xlsx?workshop=bois" in listed.text and 'href="/import"' in listed.text
    sheet = await client.get("/items/export.csv", params={"workshop": "bois", "sep": "semicolon"})
    assert sheet.status_code == 200 and "Chute A" in sheet.text and "Chute B" not in sheet.text
    assert ";4,5;" in sheet.text
    # A size typed as "²" (a Unicode digit int() refuses) is no filter, never a 500.
    odd = await client.get("/items/export.csv", params={"workshop": "bois", "min_length_mm": "²"})
    assert odd.status_code == 200 and "Chute A" in odd.text
    month = (await Item.select(Item.created_at).first())["created_at"].strftime("%Y-%m")
    figures = await client.get("/figures/export.xlsx", params={"from": month, "to": month})
    assert figures.status_code == 200 and figures.content.startswith(b"PK")

    async with fake_printer() as (port, jobs):
        from exchange.labels.printing import PrinterIn, save_printer

        await save_printer(PrinterIn("Bois", "QL-820NWB", "62", f"tcp://127.0.0.1:{port}"))
        labels = await client.get("/labels", params={"codes": ",".join(result.items)})
        assert "Imprimer sur Bois" in labels.text
        sent = await client.post(
            "/labels/print", data={"_csrf_token": csrf_of(labels.text), "codes": result.items, "printer": "Bois"}
        )
        assert sent.status_code == 303
        shown = await client.get(sent.headers["location"])
        assert "2 étiquettes envoyées à Bois" in text_of(shown.text)
        for _ in range(50):
            if jobs and jobs[0]:
                break
            await asyncio.sleep(0.01)
        assert jobs and jobs[0]
