"""The exports for a browser session (the API takes Bearer tokens only): the items list with
the filters of the /items page, and the figures as XLSX or ODS, in the reader's language."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get
from litestar.params import QueryParameter

from exchange.auth.guards import actor_of
from exchange.figures.scope import exported_lieu
from exchange.items.listing import MAX_LIMIT, ItemFilters
from exchange.spreadsheets import exports
from exchange.spreadsheets.controllers import sheet_response
from exchange.web.numbers import whole_number
from exchange.web.render import lang_of


def _dimension(value: Any) -> int | None:
    return whole_number(value, minimum=1, maximum=20_000)


def filters_from_page(query: Any) -> ItemFilters:
    """The /items page's own parameters (need_l/w/t for the fit search) as the list's filters."""
    need = [_dimension(query.get(k)) for k in ("need_l", "need_w", "need_t")]
    text = {k: str(query.get(k) or "").strip()[:100] or None for k in ("q", "category", "workshop", "status")}
    return ItemFilters(
        status=text["status"] or "available",
        category=text["category"],
        workshop=text["workshop"],
        min_length_mm=_dimension(query.get("min_length_mm")),
        min_width_mm=_dimension(query.get("min_width_mm")),
        thickness_mm=_dimension(query.get("thickness_mm")),
        q=text["q"],
        fit="x".join(map(str, need)) if None not in need else None,
        limit=MAX_LIMIT,
    )


@get(["/items/export.csv", "/items/export.xlsx", "/items/export.ods"], name="items-export")
async def items_export(request: Request, sep: str = "comma") -> Response[bytes]:
    lang = lang_of(request)
    table = await exports.items_table(filters_from_page(request.query_params), actor_of(request), lang)
    return sheet_response(table, request.url.path.rsplit(".", 1)[-1], table.title, sep)


@get(["/figures/export.xlsx", "/figures/export.ods"], name="figures-export-sheet")
async def figures_export(
    request: Request,
    from_month: Annotated[str, QueryParameter(name="from", max_length=7)],
    to_month: Annotated[str, QueryParameter(name="to", max_length=7)],
    factor_set: str | None = None,
    lieu: str | None = None,
) -> Response[bytes]:
    where = await exported_lieu(lieu, actor_of(request))
    table = await exports.figures_table(from_month, to_month, lang_of(request), factor_set or None, where)
    return sheet_response(table, request.url.path.rsplit(".", 1)[-1], f"{table.title}-{from_month}-{to_month}")


ROUTES = [items_export, figures_export]
