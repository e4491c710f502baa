"""/import: a steward brings in the lieu's spreadsheet. The file is read and checked first (a
dry run through the same import as the API) and shown row by row with its errors; nothing is
written until the steward confirms. The confirmed import streams its progress to the page."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from html import escape
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.response import Stream

from exchange.auth.guards import actor_of
from exchange.items.present import now_utc
from exchange.labels import service as labels
from exchange.ledger.rules import LedgerError
from exchange.spreadsheets import cells, imports, queries
from exchange.spreadsheets.controllers import MAX_UPLOAD_BYTES
from exchange.spreadsheets.reading import read_sheet
from exchange.spreadsheets.schemas import ImportOut
from exchange.web import i18n
from exchange.web.render import error_message, lang_of, message, page, redirect

PREVIEW_ROWS = 200  # rows shown before the confirmation (every error is listed, whatever its row)
_MARK = "<!--progress-->"
LABELS_PAGE_CODES = 100  # a link to /labels with the codes in its URL, up to this many

i18n.MESSAGES.update(
    {
        "nav.import": ("Importer", "Import"),
        "import.title": ("Importer un tableau", "Import a spreadsheet"),
        "import.lead": (
            "Le stock que le lieu tient déjà dans un tableur : CSV (virgules ou points-virgules), XLSX ou ODS. "
            "La première ligne nomme les colonnes, en français ou en anglais : catégorie, titre, atelier "
            "(obligatoires), longueur, largeur, épaisseur (mm), quantité, masse (kg), état, origine, date "
            "(jj/mm/aaaa), code, note.",
            "The stock the lieu already keeps in a spreadsheet: CSV (commas or semicolons), XLSX or ODS. The "
            "first row names the columns, in French or English: category, title, workshop (required), "
            "length_mm, width_mm, thickness_mm, quantity, mass_kg, condition, origin, date (dd/mm/yyyy), "
            "code, note.",
        ),
        "import.file": ("Fichier", "File"),
        "import.check": ("Vérifier avant d'importer", "Check before importing"),
        "import.preview": ("Aperçu : rien n'est encore enregistré", "Preview: nothing is recorded yet"),
        "import.summary": (
            "{rows} lignes : {created} pièces à créer, {skipped} déjà importées.",
            "{rows} rows: {created} items to create, {skipped} already imported.",
        ),
        "import.errors": (
            "{n} erreur(s) : corrigez le fichier puis recommencez. Rien ne sera enregistré tant qu'il en reste.",
            "{n} error(s): correct the file and try again. Nothing is recorded while any remains.",
        ),
        "import.row": ("Ligne", "Row"),
        "import.column": ("Colonne", "Column"),
        "import.problem": ("Problème", "Problem"),
        "import.shown": ("Les {n} premières lignes :", "The first {n} rows:"),
        "import.confirm": ("Importer {n} pièces", "Import {n} items"),
        "import.nothing": ("Rien de nouveau dans ce fichier.", "Nothing new in this file."),
        "import.running": ("Import en cours…", "Importing…"),
        "import.progress": ("{done} / {total} lignes", "{done} / {total} rows"),
        "import.done": ("{n} pièces créées.", "{n} items created."),
        "import.failed": (
            "L'import n'a pas abouti : rien n'a été enregistré.",
            "The import failed: nothing was recorded.",
        ),
        "import.labels": ("Étiquettes (PDF, partie {part})", "Labels (PDF, part {part})"),
        "import.labels_page": ("Choisir des étiquettes", "Choose labels"),
        "import.expired": ("Ce fichier n'est plus là : envoyez-le à nouveau.", "This file is gone: send it again."),
        "import.no_file": ("Choisissez un fichier.", "Choose a file."),
    }
)


@get("/import", name="import")
async def import_form(request: Request) -> Response:
    return page(request, "imports/index.html")


def _shown_rows(sheet) -> list[list[str]]:
    return [[str(number)] + [cells.text(cell) for cell in row] for number, row in sheet.rows[:PREVIEW_ROWS]]


@post("/import", name="import-check", request_max_body_size=MAX_UPLOAD_BYTES)
async def import_check(request: Request) -> Response:
    actor = actor_of(request)
    form = await request.form()
    upload = form.get("file")
    content = await upload.read() if isinstance(upload, UploadFile) else b""
    if not content:
        return redirect("/import", message("error", "import.no_file"))
    try:
        sheet = read_sheet(content)
        result = await imports.import_sheet(actor, sheet, dry_run=True)
    except LedgerError as error:
        return redirect("/import", error_message(error.message))
    token = None
    if not result.errors and result.created:
        token = await queries.keep_upload(actor.id, upload.filename or "", content, now_utc())
    bad = {(e.row, e.column) for e in result.errors}
    return page(
        request,
        "imports/preview.html",
        result=result,
        filename=upload.filename,
        header=sheet.header,
        rows=_shown_rows(sheet),
        bad=bad,
        token=token,
        shown=min(PREVIEW_ROWS, len(sheet.rows)),
    )


@post("/import/confirm", name="import-run")
async def import_run(request: Request) -> Response:
    actor = actor_of(request)
    lang = lang_of(request)
    form = await request.form()
    token = str(form.get("token") or "")[:64]
    kept = await queries.kept_upload(actor.id, token) if token else None
    if kept is None:
        return redirect("/import", message("error", "import.expired"))
    _, content = kept
    frame = page(request, "imports/run.html")
    html = request.app.template_engine.get_template(frame.template_name).render(
        **frame.create_template_context(request)
    )
    head, _, tail = html.partition(_MARK)

    async def body() -> AsyncIterator[str]:
        yield head
        # Each step is a new line as the import goes; the stylesheet shows only the last (no script).
        yield '<div class="import-progress" role="status">'
        steps: asyncio.Queue[tuple[int, int] | None] = asyncio.Queue()

        async def run() -> ImportOut:
            try:
                return await imports.import_file(
                    actor, content, progress=lambda done, total: steps.put_nowait((done, total))
                )
            finally:
                steps.put_nowait(None)

        task = asyncio.create_task(run())
        while (step := await steps.get()) is not None:
            yield f"<p>{i18n.translate(lang, 'import.progress', done=step[0], total=step[1])}</p>\n"
        yield "</div>"
        try:
            result = await task
        except LedgerError as error:
            yield f'<p class="flash flash-error">{escape(i18n.translate_error(lang, error.message))}</p>' + tail
            return
        await queries.forget_upload(token)
        yield _result_html(lang, result) + tail

    return Stream(body(), status_code=200, media_type="text/html; charset=utf-8", headers={"Cache-Control": "no-store"})


def _result_html(lang: str, result: ImportOut) -> str:
    if result.errors:
        lines = "".join(
            f"<li>{i18n.translate(lang, 'import.row')} {e.row}, {escape(e.column)} : "
            f"{escape(i18n.translate_error(lang, e.message))}</li>"
            for e in result.errors
        )
        return f'<p class="flash flash-error">{i18n.translate(lang, "import.failed")}</p><ul>{lines}</ul>'
    parts = range(1, (len(result.items) + labels.MAX_LABELS - 1) // labels.MAX_LABELS + 1)
    batch = (result.labels_pdf_url or "").rsplit("/", 2)[-2] if result.labels_pdf_url else ""
    links = "".join(
        f'<a class="button" href="/import/{escape(batch)}/labels.pdf?part={n}">'
        f"{i18n.translate(lang, 'import.labels', part=n)}</a> "
        for n in parts
    )
    if 0 < len(result.items) <= LABELS_PAGE_CODES:  # the labels page offers "print on ..." too
        href = "/labels?codes=" + ",".join(result.items)
        links += f'<a class="button" href="{escape(href)}">{i18n.translate(lang, "import.labels_page")}</a>'
    done = i18n.translate(lang, "import.done", n=result.created)
    return f'<p class="flash flash-ok">{done}</p><p class="inline">{links}</p>'


@get("/import/{batch:str}/labels.pdf", name="import-labels")
async def import_labels(request: Request, batch: str, part: int = 1, layout: str | None = None) -> Response:
    codes = await queries.batch_codes(batch[:32])
    chunk = codes[(part - 1) * labels.MAX_LABELS : part * labels.MAX_LABELS] if part >= 1 else []
    if not chunk:
        return redirect("/import", error_message(f"No import {batch[:32]}."))
    pdf = await labels.labels_pdf(chunk, layout)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="import-{batch[:32]}-{part}.pdf"'},
    )


ROUTES: list[Any] = [import_form, import_check, import_run, import_labels]
