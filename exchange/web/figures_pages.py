"""The figures' pages: /figures (members), the printable report and the CSV export
(coordinators), and /figures/methodology (anyone; coordinators may override a factor there)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import msgspec
from litestar import Request, Response, get, post
from litestar.params import QueryParameter

from exchange.auth.guards import actor_of
from exchange.figures import charts, factors, reader_csv, schemas, service, words
from exchange.figures.arithmetic import (
    MAX_MONTHS,
    Month,
    month_of,
    month_range,
    parse_month,
)
from exchange.figures.rows import BOM, CSV_MEDIA_TYPE
from exchange.figures.scope import check_reader, exported_lieu, lieu_scope, reads
from exchange.ledger.rules import Invalid, LedgerError, Role
from exchange.lieu import queries as lieu_queries
from exchange.lieu import service as lieu
from exchange.messages import _, translate
from exchange.settings import get_settings
from exchange.web import i18n
from exchange.web.render import error_message, lang_of, message, page, redirect

MAX_REPORT_MONTHS = 12


def this_month(tz: ZoneInfo) -> Month:
    """The month it is now in the time zone `tz` (a lieu's)."""
    return month_of(datetime.now(UTC), tz)


async def _names(lang: str) -> tuple[dict[str, str], dict[str, str]]:
    workshops = {w.slug: w.name for w in await lieu.list_workshops()}
    categories = {c.slug: (c.name_fr if lang == "fr" else c.name) for c in await lieu.list_categories()}
    return workshops, categories


def trend_charts(trend: schemas.TrendOut, lang: str, short: bool = True) -> dict[str, str]:
    """The two charts of a trend: kg out of the lieu by way (stacked), and CO2e avoided."""
    labels = [words.month_label(m.month, lang, short=short) for m in trend.months]

    def number(value: float) -> str:
        return i18n.format_number(value, lang, max_decimals=1)

    mass = charts.stacked_bars(
        labels,
        [
            charts.Series(translate(lang, _("Reused")), charts.REUSED, [m.reused_kg for m in trend.months]),
            charts.Series(translate(lang, _("Recycled")), charts.RECYCLED, [m.recycled_kg for m in trend.months]),
            charts.Series(translate(lang, _("Discarded")), charts.DISCARDED, [m.discarded_kg for m in trend.months]),
        ],
        title=translate(lang, _("What left the lieu, in kg, per month")),
        unit="kg",
        number=number,
    )
    co2e = charts.stacked_bars(
        labels,
        [charts.Series(translate(lang, _("CO2e avoided")), charts.CO2E, [m.co2e_avoided_kg for m in trend.months])],
        title=translate(lang, _("CO2e avoided, in kg, per month")),
        unit="kg CO2e",
        number=number,
    )
    return {"mass": mass, "co2e": co2e}


def rate_text(value: float | None, lang: str) -> str:
    return "—" if value is None else f"{i18n.format_number(value * 100, lang, max_decimals=1)}{i18n.NBSP}%"


def _equivalences(figures: schemas.FiguresOut, lang: str, categories: dict[str, str]) -> list[dict[str, str]]:
    """ "33.9 kg of plywood reused: as much as 1 new plywood sheet (2440 × 1220 × 18 mm) not bought"."""
    shown = []
    for e in figures.equivalences:
        if e.count < 0.1:
            continue
        size = e.size.replace(" x ", " × ")
        unit = i18n.format_kg(e.unit_mass_kg, lang)
        reused = i18n.format_kg(e.reused_kg, lang)
        name = e.object_fr if lang == "fr" else e.object
        shown.append(
            {
                "text": translate(
                    lang,
                    _(
                        "%(reused)s of %(material)s reused: as much as %(count)s new %(object)s (%(size)s) not bought.",
                        reused=reused,
                        material=words.lower_first(categories.get(e.category, e.category)),
                        count=i18n.format_number(e.count, lang, max_decimals=1),
                        object=words.plural(name, e.count, lang),
                        size=size,
                    ),
                ),
                "basis": translate(
                    lang,
                    _(
                        "arithmetic: %(size)s × %(density)s kg/m³ (shipped density) = %(unit)s each; %(reused)s ÷ %(unit)s = %(exact)s, rounded down",
                        size=size,
                        density=i18n.format_number(e.density_kg_m3, lang),
                        unit=unit,
                        reused=reused,
                        exact=i18n.format_number(e.reused_kg / e.unit_mass_kg, lang),
                    ),
                ),
            }
        )
    return shown


@get("/figures", include_in_schema=False, name="figures")
async def figures_page(
    request: Request,
    month: str | None = None,
    workshop: str | None = None,
    category: str | None = None,
    factor_set: str | None = None,
    lieu: str | None = None,
) -> Response:
    lang = lang_of(request)
    problems: list[dict[str, Any]] = []
    where = await lieu_scope(lieu or None, actor_of(request))  # the reader's own lieu by default
    check_reader(actor_of(request), where)
    try:
        # The last full month: what a coordinator reports on (this month is still going).
        figures = await service.month_figures(
            month or str(this_month(where.tz).previous()),
            workshop=workshop or None,
            category=category or None,
            factor_set=factor_set or None,
            lieu=where,
        )
    except Invalid as error:
        problems.append(error_message(error))
        figures = await service.month_figures(str(this_month(where.tz).previous()), lieu=where)
    trend = await service.trend(12, figures.month, factor_set=figures.factor_set.version, lieu=where)
    workshops, categories = await _names(lang)
    return page(
        request,
        "figures/index.html",
        status_code=422 if problems else 200,
        messages=problems,
        figures=figures,
        month_name=words.month_label(figures.month, lang),
        trend=trend,
        charts=trend_charts(trend, lang),
        trend_labels=[words.month_label(m.month, lang) for m in trend.months],
        equivalences=_equivalences(figures, lang, categories),
        workshops=workshops,
        categories=categories,
        factor_sets=await factors.list_factor_sets(),
        chosen_factor_set=factor_set or "",
        rate=lambda value: rate_text(value, lang),
        csv_from=str(parse_month(figures.month).plus(-11)),
        # the printable report and the exports: for the lieu's coordinators and the network's
        may_export=reads(actor_of(request), where, Role.coordinator),
    )


@get("/figures/report", include_in_schema=False, name="figures-report")
async def report_page(
    request: Request,
    month: str | None = None,
    from_month: Annotated[str | None, QueryParameter(name="from")] = None,
    to_month: Annotated[str | None, QueryParameter(name="to")] = None,
    factor_set: str | None = None,
    lieu: str | None = None,
) -> Response:
    """One A4 page per month: headline, chart, tables, factor set, method."""
    lang = lang_of(request)
    where = await exported_lieu(lieu, actor_of(request))
    if from_month or to_month:
        months = month_range(from_month or to_month, to_month or from_month)
        if len(months) > MAX_REPORT_MONTHS:
            raise Invalid(_("At most %(max)s months in one report.", max=MAX_REPORT_MONTHS), field="to")
    else:
        months = [parse_month(month) if month else this_month(where.tz).previous()]
    workshops, categories = await _names(lang)
    pages = []
    for m in months:
        figures = await service.month_figures(str(m), factor_set=factor_set or None, lieu=where)
        trend = await service.trend(12, str(m), factor_set=figures.factor_set.version, lieu=where)
        pages.append(
            {
                "figures": figures,
                "month_name": words.month_label(str(m), lang),
                "chart": trend_charts(trend, lang)["mass"],
                "equivalences": _equivalences(figures, lang, categories),
            }
        )
    return page(
        request,
        "figures/report.html",
        pages=pages,
        workshops=workshops,
        categories=categories,
        rate=lambda value: rate_text(value, lang),
        timezone=where.timezone,
        computed_at=datetime.now(UTC),
        # the report is the lieu's: its name, and its hours in its own time zone
        lieu_name=get_settings().lieu_name if where.alone else (await lieu_queries.lieu_names())[where.slug],
        datetime=lambda value: i18n.format_datetime(value, lang, where.tz),
    )


@get("/figures/export.csv", include_in_schema=False, name="figures-export")
async def export_csv(
    request: Request,
    from_month: Annotated[str, QueryParameter(name="from")],
    to_month: Annotated[str, QueryParameter(name="to")],
    factor_set: str | None = None,
    lieu: str | None = None,
) -> Response[bytes]:
    """The figures for a person: columns in their language, a row per month, workshop and material."""
    lang = lang_of(request)
    where = await exported_lieu(lieu, actor_of(request))
    workshops, categories = await _names(lang)
    text = await reader_csv.figures_csv(
        from_month, to_month, lang, workshops, categories, factor_set=factor_set or None, lieu=where
    )
    stem = "chiffres" if lang == "fr" else "figures"
    return Response(
        (BOM + text).encode("utf-8"),
        media_type=CSV_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{stem}-{from_month}-{to_month}.csv"'},
    )


@get("/figures/methodology", include_in_schema=False, name="figures-methodology")
async def methodology_page(request: Request, version: str | None = None) -> Response:
    lang = lang_of(request)
    members_read = request.user is not None  # who set a factor set: a name, for members only
    detail = await factors.factor_set_detail(version or None, show_names=members_read)
    _, categories = await _names(lang)
    rows: dict[str, dict[str, Any]] = {}
    for f in detail.factors:
        rows.setdefault(f.category, {"slug": f.category, "name": categories.get(f.category, f.category)})[f.kind] = f
    return page(
        request,
        "figures/methodology.html",
        detail=detail,
        definitions=DEFINITIONS,
        factor_uses=words.FACTOR_USES,
        factor_rows=sorted(rows.values(), key=lambda r: r["name"].lower()),
        versions=await factors.list_factor_sets(show_names=members_read),
        categories=sorted(categories.items(), key=lambda c: c[1].lower()),
        max_months=MAX_MONTHS,
        may_override=await factors.may_override(actor_of(request)),
    )


# The methodology page's definitions: (the figure's name, what it counts).
DEFINITIONS = [
    (_("Intake"), _("mass of items logged in (pieces of a cut are not intake)")),
    (_("Reused"), _("mass of items whose use falls in the month")),
    (_("Recycled"), _("mass sent to recycling in the month")),
    (_("Discarded"), _("mass discarded (skip, landfill, incineration) in the month")),
    (_("Cutting loss"), _("sawdust, broken edges, strips too small to keep: a piece minus its pieces")),
    (_("Adjustments"), _("sum of the mass changes made by corrections")),
    (_("Closing stock"), _("mass available or reserved at the end of the month")),
    (_("CO2e avoided"), _("reused × reuse factor + recycled × recycling factor, per material")),
]


@post("/figures/methodology/factors", include_in_schema=False, name="figures-override")
async def override_factor(request: Request) -> Response:
    await factors.check_may_override(actor_of(request))  # a 403 page, before reading the form
    form = await request.form()
    values = {
        k: str(form.get(k) or "").strip() for k in ("category", "kind", "value", "source", "version", "entry", "note")
    }
    try:
        value = float(values["value"].replace(",", "."))
        if not 0 <= value <= 1000:
            raise ValueError
    except ValueError:
        return redirect("/figures/methodology", message("error", _("The value must be a number between 0 and 1000.")))
    try:
        data = msgspec.convert(
            {
                "kind": values["kind"],
                "value": value,
                "source": values["source"],
                "version": values["version"],
                "entry": values["entry"],
                "note": values["note"],
            },
            schemas.FactorIn,
        )
        created = await factors.override_factor(actor_of(request), values["category"], data)
    except msgspec.ValidationError as error:
        return redirect("/figures/methodology", error_message(error))
    except LedgerError as error:
        return redirect("/figures/methodology", error_message(error))
    return redirect("/figures/methodology", message("ok", _("New factor set: %(version)s.", version=created.version)))


ROUTES: list = [figures_page, report_page, export_csv, methodology_page, override_factor]
