"""The network's figures, for a network coordinator (DESIGN.md, "Figures across lieux"):
/figures/network (a month: the network's totals, a table per lieu, each in its own time zone,
and per material) and its exports, /figures/network/export.csv, .xlsx and .ods (a row per lieu,
the network's total and a row per material, each month). The figures are the API's
(`GET /api/v1/figures?scope=network`, service.network_figures); the permission table lets only a
network coordinator in."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get
from litestar.params import QueryParameter

from exchange.figures import factors, service, words
from exchange.figures.arithmetic import parse_month
from exchange.figures.network_rows import MAX_NETWORK_MONTHS
from exchange.ledger.rules import Invalid
from exchange.lieu import queries as lieu_queries
from exchange.settings import get_settings
from exchange.spreadsheets import exports
from exchange.spreadsheets.controllers import sheet_response
from exchange.web import queries
from exchange.web.figures_pages import rate_text, this_month
from exchange.web.render import error_message, lang_of, page


@get("/figures/network", include_in_schema=False, name="figures-network")
async def network_page(request: Request, month: str | None = None, factor_set: str | None = None) -> Response:
    lang = lang_of(request)
    problems: list[dict[str, Any]] = []
    try:
        # The last full month by default, as on a lieu's page: what a network reports on.
        figures = await service.network_figures(
            month or str(this_month(get_settings().tz).previous()), factor_set=factor_set or None
        )
    except Invalid as error:
        problems.append(error_message(error))
        figures = await service.network_figures(str(this_month(get_settings().tz).previous()))
    the_month = parse_month(figures.month)
    return page(
        request,
        "figures/network.html",
        status_code=422 if problems else 200,
        messages=problems,
        figures=figures,
        month_name=words.month_label(figures.month, lang),
        lieux=await lieu_queries.lieu_names(),
        categories=await queries.category_names(lang),
        # what left one lieu for another this month: out of one, into the other, it cancels
        transferred_kg=sum(lieu.transferred_out_kg for lieu in figures.by_lieu),
        factor_sets=await factors.list_factor_sets(),
        chosen_factor_set=factor_set or "",
        rate=lambda value: rate_text(value, lang),
        export_from=str(the_month.plus(-11)),
        max_months=MAX_NETWORK_MONTHS,
    )


@get(
    ["/figures/network/export.csv", "/figures/network/export.xlsx", "/figures/network/export.ods"],
    include_in_schema=False,
    name="figures-network-export",
)
async def network_export(
    request: Request,
    from_month: Annotated[str, QueryParameter(name="from", max_length=7)],
    to_month: Annotated[str, QueryParameter(name="to", max_length=7)],
    factor_set: str | None = None,
    sep: str | None = None,
) -> Response[bytes]:
    """The network's months for a person: columns in their language, lieux and materials by
    their names; in French a CSV has semicolons and decimal commas (`sep=` chooses)."""
    lang = lang_of(request)
    table = await exports.network_figures_table(
        from_month,
        to_month,
        lang,
        factor_set or None,
        lieux=await lieu_queries.lieu_names(),
        categories=await queries.category_names(lang),
    )
    sep = sep if sep in ("comma", "semicolon") else "semicolon" if lang == "fr" else "comma"
    fmt = request.url.path.rsplit(".", 1)[-1]
    return sheet_response(table, fmt, f"{table.title}-{from_month}-{to_month}", sep)


ROUTES: list = [network_page, network_export]
