"""The network's figures as rows for its exports (DESIGN.md, "Figures across lieux"): for each
month, one row per lieu (its own month, in its own time zone), the network's total (the sum of
the lieux' months, transfers between them cancelling), then one row per material over the
network. An empty lieu is every lieu, an empty material every material: the lieux' rows add up
to the total row, and so do the materials' (transfers aside: out of one lieu, into another,
they cancel in the total). The figures are service.network_figures' own, as the API gives them.

Two ways to write them: the API's (English field names and slugs, like figures.csv) and a
person's (words in their language, lieux and materials by their names)."""

from __future__ import annotations

from typing import Any

from exchange.figures import schemas, service
from exchange.figures.arithmetic import month_range
from exchange.figures.rows import FIGURE_COLUMNS
from exchange.ledger.rules import Invalid
from exchange.messages import Message, _, translate

# A network's month is a call of service.network_figures (a read of the ledger per time zone),
# so an export's cost grows with its months: at 100 lieux, 100,000 items and 1,000,000 events on
# PostgreSQL (bench.network, stock kept ahead), 1.8 s for one month, 14 s for 12, 20 s for 24
# (measured 2026-12-01 on a shared 2-core machine); at 5 lieux and 20,000 events, 0.12 s for 12
# months on either engine. A year is what a funder asks for; ten years (the lieu's limit) would
# hold a request for minutes.
MAX_NETWORK_MONTHS = 12

# The figures of each row: figures.csv's, in its order (the transfers last).
FIELDS = FIGURE_COLUMNS
API_COLUMNS = ("month", "lieu", "timezone", "category", *FIELDS, "factor_set")

# A person's columns: (the words, the unit).
_WORDS: dict[str, tuple[Message, str]] = {
    "intake_kg": (_("Intake"), "kg"),
    "reused_kg": (_("Reused"), "kg"),
    "recycled_kg": (_("Recycled"), "kg"),
    "discarded_kg": (_("Discarded"), "kg"),
    "loss_kg": (_("Cutting loss"), "kg"),
    "adjusted_kg": (_("Adjustments"), "kg"),
    "transferred_in_kg": (_("From other lieux"), "kg"),
    "transferred_out_kg": (_("To other lieux"), "kg"),
    "opening_stock_kg": (_("Opening stock"), "kg"),
    "stock_kg": (_("Closing stock"), "kg"),
    "waste_avoided_kg": (_("Waste avoided"), "kg"),
    "diverted_kg": (_("Diverted"), "kg"),
    "reuse_rate": (_("Reuse rate"), "%"),
    "co2e_avoided_kg": (_("CO2e avoided"), "kg CO2e"),
    "items_reused": (_("Items reused"), ""),
}


async def network_months(from_month: str, to_month: str, factor_set: str | None = None) -> list[schemas.FiguresOut]:
    """The network's figures of each month from `from_month` to `to_month` (both included)."""
    months = month_range(from_month, to_month)
    if len(months) > MAX_NETWORK_MONTHS:
        raise Invalid(_("At most %(max)s months at once.", max=MAX_NETWORK_MONTHS), field="to")
    return [await service.network_figures(str(month), factor_set=factor_set) for month in months]


def api_header() -> list[str]:
    return list(API_COLUMNS)


def person_header(lang: str) -> list[str]:
    named = [
        f"{translate(lang, words)} ({unit})" if unit else translate(lang, words)
        for words, unit in map(_WORDS.get, FIELDS)
    ]
    return [
        translate(lang, _("Month")),
        translate(lang, _("Lieu")),
        translate(lang, _("Time zone")),
        translate(lang, _("Material")),
        *named,
        translate(lang, _("Factor set")),
    ]


def _values(figures: schemas.Figures, percent: bool) -> list[Any]:
    values = [getattr(figures, name) for name in FIELDS]
    if percent and figures.reuse_rate is not None:
        values[FIELDS.index("reuse_rate")] = round(figures.reuse_rate * 100, 1)
    return values


def network_rows(
    months: list[schemas.FiguresOut],
    lang: str | None = None,
    lieux: dict[str, str] | None = None,
    categories: dict[str, str] | None = None,
) -> list[list[Any]]:
    """The rows of the months (network_months): each month's lieux, its total, its materials.
    Without `lang`, the API's: slugs, empty for "every", the reuse rate as a fraction; with it,
    a person's: lieux and materials by their names (`lieux`, `categories`: slug -> name), the
    whole network and every material said in words, the reuse rate in percent."""
    person = lang is not None
    network = translate(lang, _("The whole network")) if person else ""
    every = translate(lang, _("All materials")) if person else ""
    lieux, categories = lieux or {}, categories or {}
    rows: list[list[Any]] = []
    for f in months:
        version = f.factor_set.version
        for lieu in f.by_lieu:
            name = lieux.get(lieu.lieu, lieu.lieu) if person else lieu.lieu
            rows.append([f.month, name, lieu.timezone, every, *_values(lieu, person), version])
        rows.append([f.month, network, "", every, *_values(f, person), version])
        for c in f.by_category:
            name = categories.get(c.category, c.category) if person else c.category
            rows.append([f.month, network, "", name, *_values(c, person), version])
    return rows
