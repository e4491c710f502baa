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
from exchange.auth.service import Actor
from exchange.items.present import now_utc
from exchange.labels import service as labels
from exchange.ledger.rules import LedgerError, Role, role_at_least
from exchange.lieu import lieux
from exchange.lieu.schemas import LieuOut
from exchange.messages import _
from exchange.spreadsheets import cells, imports, queries
from exchange.spreadsheets.controllers import MAX_UPLOAD_BYTES
from exchange.spreadsheets.reading import read_sheet
from exchange.spreadsheets.schemas import ImportOut
from exchange.web.render import error_message, lang_of, message, page, redirect

PREVIEW_ROWS = 200  # rows shown before the confirmation (every error is listed, whatever its row)
_MARK = "<!--progress-->"
LABELS_PAGE_CODES = 100  # a link to /labels with the codes in its URL, up to this many
# Words of the streamed result (written out without a template).
ROW = _("Row")
FAILED = _("The import failed: nothing was recorded.")
LABELS_PAGE = _("Choose labels")


async def _lieu_choices(actor: Actor) -> list[LieuOut]:
    """The lieux the actor may bring stock into: every lieu for the network's coordinator, else
    those where they are a steward or more (a choice on the form only when there are several)."""
    every = await lieux.list_lieux()
    if actor.network:
        return every
    ids = await lieux.lieu_ids()
    return [lieu for lieu in every if (role := actor.role_in(ids[lieu.slug])) and role_at_least(role, Role.steward)]


def _chosen(form) -> str | None:
    return str(form.get("lieu") or "")[:60] or None


@get("/import", name="import")
async def import_form(request: Request) -> Response:
    actor = actor_of(request)
    choices = await _lieu_choices(actor)
    own = next((slug for slug, id_ in (await lieux.lieu_ids()).items() if id_ == actor.lieu), None)
    return page(request, "imports/index.html", lieux=choices if len(choices) > 1 else [], own_lieu=own)


def _shown_rows(sheet) -> list[list[str]]:
    return [[str(number)] + [cells.text(cell) for cell in row] for number, row in sheet.rows[:PREVIEW_ROWS]]


@post("/import", name="import-check", request_max_body_size=MAX_UPLOAD_BYTES)
async def import_check(request: Request) -> Response:
    actor = actor_of(request)
    form = await request.form()
    upload = form.get("file")
    content = await upload.read() if isinstance(upload, UploadFile) else b""
    if not content:
        return redirect("/import", message("error", _("Choose a file.")))
    try:
        sheet = read_sheet(content)
        result = await imports.import_sheet(actor, sheet, dry_run=True, lieu=_chosen(form))
    except LedgerError as error:
        return redirect("/import", error_message(error))
    token = None
    if not result.errors and result.created:
        token = await queries.keep_upload(actor.id, upload.filename or "", content, now_utc())
    bad = {(e.row, e.column) for e in result.errors}
    return page(
        request,
        "imports/preview.html",
        result=result,
        problems=[imports.row_message(e) for e in result.errors],
        filename=upload.filename,
        header=sheet.header,
        rows=_shown_rows(sheet),
        bad=bad,
        token=token,
        lieu=_chosen(form),
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
        return redirect("/import", message("error", _("This file is gone: send it again.")))
    _name, content = kept
    lieu = _chosen(form)
    frame = page(request, "imports/run.html")
    html = request.app.template_engine.get_template(frame.template_name).render(
        **frame.create_template_context(request)
    )
    head, _mark, tail = html.partition(_MARK)

    async def body() -> AsyncIterator[str]:
        yield head
        # Each step is a new line as the import goes; the stylesheet shows only the last (no script).
        yield '<div class="import-progress" role="status">'
        steps: asyncio.Queue[tuple[int, int] | None] = asyncio.Queue()

        async def run() -> ImportOut:
            try:
                return await imports.import_file(
                    actor, content, progress=lambda done, total: steps.put_nowait((done, total)), lieu=lieu
                )
            finally:
                steps.put_nowait(None)

        task = asyncio.create_task(run())
        while (step := await steps.get()) is not None:
            done_rows = _("%(done)s / %(total)s rows", done=step[0], total=step[1])
            yield f"<p>{done_rows.translate(lang)}</p>\n"
        yield "</div>"
        try:
            result = await task
        except LedgerError as error:
            yield f'<p class="flash flash-error">{escape(error.text.translate(lang))}</p>' + tail
            return
        await queries.forget_upload(token)
        yield _result_html(lang, result) + tail

    return Stream(body(), status_code=200, media_type="text/html; charset=utf-8", headers={"Cache-Control": "no-store"})


def _result_html(lang: str, result: ImportOut) -> str:
    if result.errors:
        lines = "".join(
            f"<li>{ROW.translate(lang)} {e.row}, {escape(e.column)} : {escape(imports.row_message(e).translate(lang))}</li>"
            for e in result.errors
        )
        return f'<p class="flash flash-error">{FAILED.translate(lang)}</p><ul>{lines}</ul>'
    parts = range(1, (len(result.items) + labels.MAX_LABELS - 1) // labels.MAX_LABELS + 1)
    batch = (result.labels_pdf_url or "").rsplit("/", 2)[-2] if result.labels_pdf_url else ""
    links = ""
    for n in parts:
        part = _("Labels (PDF, part %(part)s)", part=n)
        links += f'<a class="button" href="/import/{escape(batch)}/labels.pdf?part={n}">{part.translate(lang)}</a> '

    if 0 < len(result.items) <= LABELS_PAGE_CODES:  # the labels page offers "print on ..." too
        href = "/labels?codes=" + ",".join(result.items)
        links += f'<a class="button" href="{escape(href)}">{LABELS_PAGE.translate(lang)}</a>'
    done = _("%(n)s items created.", n=result.created).translate(lang)
    return f'<p class="flash flash-ok">{done}</p><p class="inline">{links}</p>'


@get("/import/{batch:str}/labels.pdf", name="import-labels")
async def import_labels(request: Request, batch: str, part: int = 1, layout: str | None = None) -> Response:
    codes = await queries.batch_codes(batch[:32])
    chunk = codes[(part - 1) * labels.MAX_LABELS : part * labels.MAX_LABELS] if part >= 1 else []
    if not chunk:
        return redirect("/import", error_message(_("No import %(batch)s.", batch=batch[:32])))
    pdf = await labels.labels_pdf(chunk, layout)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="import-{batch[:32]}-{part}.pdf"'},
    )


ROUTES: list[Any] = [import_form, import_check, import_run, import_labels]
