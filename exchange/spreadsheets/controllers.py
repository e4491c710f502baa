"""HTTP for imports and exports: translate the request, call the service, nothing more."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import Parameter, QueryParameter

from exchange.auth.guards import actor_of
from exchange.figures.scope import exported_lieu
from exchange.items.listing import MAX_LIMIT, ItemFilters
from exchange.labels import service as labels
from exchange.ledger.rules import Invalid
from exchange.messages import _
from exchange.problems import MEDIA_TYPE as PROBLEM_MEDIA_TYPE
from exchange.spreadsheets import exports, imports, queries
from exchange.spreadsheets.schemas import ImportOut
from exchange.spreadsheets.writing import FORMATS
from exchange.web.i18n import normalize_lang
from exchange.web.render import lang_of

MAX_UPLOAD_BYTES = 16 * 1024 * 1024  # 50,000 rows of CSV take about 5 MB
Sep = Literal["comma", "semicolon"]
Lang = Annotated[str | None, Parameter(max_length=5, description="fr or en; default the reader's language")]


def reader_lang(request: Request, lang: str | None) -> str:
    return normalize_lang(lang) or lang_of(request)


def sheet_response(table: exports.Table, fmt: str, filename: str, sep: str = "comma") -> Response[bytes]:
    return Response(
        table.write(fmt, semicolon=sep == "semicolon"),
        media_type=FORMATS[fmt],
        headers={"Content-Disposition": f'attachment; filename="{filename}.{fmt}"', "Cache-Control": "no-store"},
    )


async def uploaded(request: Request) -> bytes:
    form = await request.form()
    file = form.get("file")
    if not isinstance(file, UploadFile):
        raise Invalid(_("Send the spreadsheet as the multipart field `file`."), field="file")
    content = await file.read()
    if not content:
        raise Invalid(_("The file is empty."), field="file")
    return content


def import_answer(result: ImportOut) -> Response:
    body = msgspec.to_builtins(result)
    if result.errors:
        detail = f"{len(result.errors)} error(s) in the file: nothing was written."
        problem = {"type": "https://exchange.tiers-lieu/problems/422", "title": "Unprocessable Content"}
        return Response(
            {**problem, "status": 422, "detail": detail, **body}, status_code=422, media_type=PROBLEM_MEDIA_TYPE
        )
    return Response(body, status_code=201 if result.created and not result.dry_run else 200)


def _format(request: Request) -> str:
    return request.url.path.rsplit(".", 1)[-1]


Dimension = Annotated[int | None, Parameter(ge=1, le=20_000)]


class SpreadsheetController(Controller):
    path = "/api/v1"
    tags = ["spreadsheets"]

    @post(
        "/imports",
        summary="Bring in a spreadsheet of stock (CSV, XLSX, ODS): all rows or none",
        request_max_body_size=MAX_UPLOAD_BYTES,
    )
    async def import_file(
        self,
        request: Request,
        dry_run: bool = False,
        lieu: str | None = Parameter(
            default=None, max_length=60, description="the lieu the items go into (a slug); default your own"
        ),
    ) -> Response[ImportOut]:
        content = await uploaded(request)
        result = await imports.import_file(actor_of(request), content, dry_run=dry_run, lieu=lieu)
        return import_answer(result)

    @get("/imports/{batch:str}/labels.pdf", media_type="application/pdf", summary="The labels of an import's items")
    async def import_labels(
        self,
        batch: Annotated[str, Parameter(max_length=32)],
        layout: Annotated[str | None, Parameter(max_length=40)] = None,
        part: Annotated[int, Parameter(ge=1, le=1000, description=f"{labels.MAX_LABELS} labels a part")] = 1,
    ) -> Response[bytes]:
        codes = await queries.batch_codes(batch)
        chunk = codes[(part - 1) * labels.MAX_LABELS : part * labels.MAX_LABELS]
        if not chunk:
            from exchange.ledger.rules import NotFound

            raise NotFound(_("No import %(batch)s (or no part %(part)s of it).", batch=batch, part=part))
        pdf = await labels.labels_pdf(chunk, layout)
        return Response(
            pdf,
            media_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="import-{batch}-{part}.pdf"'},
        )

    @get(
        ["/items.csv", "/items.xlsx", "/items.ods"],
        summary="The items list as CSV, XLSX or ODS, with the list's filters (all pages)",
    )
    async def items_export(
        self,
        request: Request,
        status: str = "available",
        category: str | None = None,
        workshop: str | None = None,
        min_length_mm: Dimension = None,
        min_width_mm: Dimension = None,
        thickness_mm: Dimension = None,
        q: Annotated[str | None, Parameter(max_length=100)] = None,
        fit: Annotated[str | None, Parameter(max_length=40)] = None,
        sep: Sep = "comma",
        lang: Lang = None,
    ) -> Response[bytes]:
        # The list's own filters, every page of them.
        filters = ItemFilters(status, category, workshop, min_length_mm, min_width_mm, thickness_mm, q, fit, MAX_LIMIT)
        table = await exports.items_table(filters, actor_of(request), reader_lang(request, lang))
        return sheet_response(table, _format(request), table.title, sep)

    @get("/events.csv", summary="A lieu's ledger for a period of its days, as CSV (its coordinator)")
    async def events_export(
        self,
        request: Request,
        from_day: Annotated[str, QueryParameter(name="from", max_length=10, description="YYYY-MM-DD or YYYY-MM")],
        to_day: Annotated[str, QueryParameter(name="to", max_length=10, description="YYYY-MM-DD or YYYY-MM, included")],
        sep: Sep = "comma",
        lang: Lang = None,
        lieu: Annotated[str | None, Parameter(max_length=60, description="a lieu's slug; default your own")] = None,
    ) -> Response[bytes]:
        where = await exported_lieu(lieu, actor_of(request))
        table = await exports.events_table(from_day, to_day, reader_lang(request, lang), where)
        return sheet_response(table, "csv", f"{table.title}-{from_day}-{to_day}", sep)

    @get(["/figures.xlsx", "/figures.ods"], summary="The rows of figures.csv as XLSX or ODS (coordinator)")
    async def figures_export(
        self,
        request: Request,
        from_month: Annotated[str, QueryParameter(name="from", max_length=7, description="YYYY-MM")],
        to_month: Annotated[str, QueryParameter(name="to", max_length=7, description="YYYY-MM, included")],
        factor_set: Annotated[str | None, Parameter(max_length=60)] = None,
        lang: Lang = None,
        lieu: Annotated[str | None, Parameter(max_length=60, description="a lieu's slug; default your own")] = None,
    ) -> Response[bytes]:
        where = await exported_lieu(lieu, actor_of(request))
        table = await exports.figures_table(from_month, to_month, reader_lang(request, lang), factor_set, where)
        return sheet_response(table, _format(request), f"{table.title}-{from_month}-{to_month}")

    @get(
        ["/figures/network.csv", "/figures/network.xlsx", "/figures/network.ods"],
        summary="The network's months: a row per lieu, the network's total, a row per material (network coordinator)",
        description=(
            "Columns `month, lieu, timezone, category,` then the figures of `GET /api/v1/figures?scope=network` "
            "(with `transferred_in_kg`, `transferred_out_kg`) and `factor_set`. An empty `lieu` is the whole "
            "network, an empty `category` every material: the lieux' rows add up to the network's row, and so "
            "do the materials' (transfers between lieux cancel in it). Each lieu's month is its own, in its "
            "own time zone."
        ),
    )
    async def network_figures_export(
        self,
        request: Request,
        from_month: Annotated[str, QueryParameter(name="from", max_length=7, description="YYYY-MM")],
        to_month: Annotated[str, QueryParameter(name="to", max_length=7, description="YYYY-MM, included")],
        factor_set: Annotated[str | None, Parameter(max_length=60)] = None,
        sep: Sep = "comma",
    ) -> Response[bytes]:
        table = await exports.network_figures_table(from_month, to_month, factor_set=factor_set)
        return sheet_response(table, _format(request), f"{table.title}-{from_month}-{to_month}", sep)


ROUTES = [SpreadsheetController]
