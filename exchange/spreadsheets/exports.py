"""Exports that open where the lieu works: the items list (the list's own filters), the
ledger for a period, and the figures (the rows of figures.csv), as CSV, XLSX or ODS, with
column names in the reader's language and real numbers in the cells."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from exchange.auth.service import Actor
from exchange.figures import network_rows
from exchange.figures.rows import CSV_COLUMNS, figures_rows
from exchange.figures.scope import LieuScope
from exchange.figures.service import figure_fields
from exchange.items import listing
from exchange.ledger.rules import Invalid
from exchange.messages import _
from exchange.settings import get_settings
from exchange.spreadsheets import queries
from exchange.spreadsheets.columns import ITEM_COLUMNS
from exchange.spreadsheets.writing import write_table

PAGE = 200  # the items list's own cap per page; an export walks every page
EVENTS_PAGE = 2000
MAX_EXPORT_ROWS = 200_000

# The items export: the columns an import reads (so it reads back in), then what it cannot set.
_ITEM_EXTRA = (("status", "statut", "status"), ("mass_source", "source de la masse", "mass_source"))
_EVENT_HEADERS = (
    ("id", "n°", "id"),
    ("occurred_at", "date", "occurred_at"),
    ("recorded_at", "enregistré le", "recorded_at"),
    ("kind", "action", "kind"),
    ("code", "code", "code"),
    ("category", "catégorie", "category"),
    ("workshop", "atelier", "workshop"),
    ("from_workshop", "atelier de départ", "from_workshop"),
    ("mass_kg", "masse", "mass_kg"),
    ("loss_kg", "perte", "loss_kg"),
    ("note", "note", "note"),
    ("by", "par", "by"),
)
FIGURE_HEADERS_FR = {
    "month": "mois",
    "category": "catégorie",
    "intake_kg": "entrées (kg)",
    "reused_kg": "réemployé (kg)",
    "recycled_kg": "recyclé (kg)",
    "discarded_kg": "jeté (kg)",
    "loss_kg": "pertes de découpe (kg)",
    "adjusted_kg": "corrections (kg)",
    "opening_stock_kg": "stock au début (kg)",
    "stock_kg": "stock à la fin (kg)",
    "waste_avoided_kg": "déchets évités (kg)",
    "diverted_kg": "détourné (kg)",
    "reuse_rate": "taux de réemploi",
    "co2e_avoided_kg": "CO2e évité (kg)",
    "items_reused": "pièces réemployées",
    "transferred_in_kg": "reçu d'autres lieux (kg)",
    "transferred_out_kg": "parti vers d'autres lieux (kg)",
    "factor_set": "jeu de facteurs",
}


@dataclasses.dataclass
class Table:
    title: str
    header: list[str]
    rows: list[list[Any]]
    tz: ZoneInfo | None = None  # whose clock the dates are written in; default the installation's

    def write(self, fmt: str, semicolon: bool = False) -> bytes:
        return write_table(fmt, self.title, self.header, self.rows, self.tz or get_settings().tz, semicolon)


def _kg(grams: int | None) -> float | None:
    return None if grams is None else grams / 1000


async def items_table(filters: listing.ItemFilters, viewer: Actor | None, lang: str) -> Table:
    """Every item the list's filters keep, in the list's order (walked page by page)."""
    header = [c.header(lang) for c in ITEM_COLUMNS] + [fr if lang == "fr" else en for _, fr, en in _ITEM_EXTRA]
    rows: list[list[Any]] = []
    cursor = None
    while True:
        page = await listing.list_items(dataclasses.replace(filters, limit=PAGE, cursor=cursor), viewer)
        for item in page.items:
            values = {**{c.field: getattr(item, c.field, None) for c in ITEM_COLUMNS}, "occurred_at": item.created_at}
            rows.append([values[c.field] for c in ITEM_COLUMNS] + [item.status, item.mass_source])
        cursor = page.next_cursor
        if cursor is None or len(rows) >= MAX_EXPORT_ROWS:
            break
    return Table("items" if lang == "en" else "chutes", header, rows)


def day_bound(text: str, field: str, end: bool, tz: ZoneInfo) -> datetime:
    """YYYY-MM-DD or YYYY-MM in the lieu's time zone; an end includes its whole day or month."""
    try:
        if len(text) == 7:
            first = date.fromisoformat(text + "-01")
            if not end:
                return datetime.combine(first, time(), tzinfo=tz)
            following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
            return datetime.combine(following, time(), tzinfo=tz)
        day = date.fromisoformat(text)
    except ValueError:
        raise Invalid(_("%(field)s is a day (YYYY-MM-DD) or a month (YYYY-MM).", field=field), field=field) from None
    return datetime.combine(day + timedelta(days=1) if end else day, time(), tzinfo=tz)


async def events_table(from_text: str, to_text: str, lang: str, lieu: LieuScope) -> Table:
    """The ledger of `lieu` for a period of its own days: the events at its workshops, and the
    transfers out of them (a transfer is in the ledgers of both lieux)."""
    start, end = day_bound(from_text, "from", False, lieu.tz), day_bound(to_text, "to", True, lieu.tz)
    workshops = None if lieu.alone else lieu.workshops
    if end <= start:
        raise Invalid(_("to comes before from."), field="to")
    rows: list[list[Any]] = []
    after = 0
    while len(rows) < MAX_EXPORT_ROWS:
        page = await queries.events_between(start, end, after, EVENTS_PAGE, workshops)
        for e in page:
            rows.append(
                [
                    e["id"],
                    e["occurred_at"],
                    e["recorded_at"],
                    e["kind"],
                    e["code"],
                    e["category"],
                    e["workshop"],
                    e["from_workshop"],
                    _kg(e["mass_g"]),
                    _kg(e["loss_g"]),
                    e["note"],
                    e["by"],
                ]
            )
        if len(page) < EVENTS_PAGE:
            break
        after = page[-1]["id"]
    header = [fr if lang == "fr" else en for _, fr, en in _EVENT_HEADERS]
    return Table("events" if lang == "en" else "journal", header, rows, lieu.tz)


async def figures_table(from_month: str, to_month: str, lang: str, factor_set: str | None = None, lieu=None) -> Table:
    """The rows of figures.csv (of `lieu`, a LieuScope; default the first lieu), with numbers as numbers."""
    rows = []
    for month, slug, sums, version in await figures_rows(from_month, to_month, factor_set, lieu):
        fields = figure_fields(sums)
        rows.append([str(month), slug, *(fields[c] for c in CSV_COLUMNS[2:-1]), version])
    header = [FIGURE_HEADERS_FR[c] if lang == "fr" else c for c in CSV_COLUMNS]
    return Table("figures" if lang == "en" else "chiffres", header, rows)


async def figures_csv_semicolon(from_month: str, to_month: str, factor_set: str | None = None, lieu=None) -> bytes:
    """figures.csv with semicolons and decimal commas (the same English column names)."""
    return (await figures_table(from_month, to_month, "en", factor_set, lieu)).write("csv", semicolon=True)


async def network_figures_table(
    from_month: str,
    to_month: str,
    lang: str | None = None,
    factor_set: str | None = None,
    lieux: dict[str, str] | None = None,
    categories: dict[str, str] | None = None,
) -> Table:
    """The network's months (a row per lieu, the network's total, a row per material): the API's
    columns and slugs without `lang`, a person's words and names with it (network_rows)."""
    months = await network_rows.network_months(from_month, to_month, factor_set)
    rows = network_rows.network_rows(months, lang, lieux, categories)
    header = network_rows.api_header() if lang is None else network_rows.person_header(lang)
    return Table("chiffres-reseau" if lang == "fr" else "network-figures", header, rows)
