"""The figures as rows for the exports: the API's figures.csv (CSV_COLUMNS, one row per month
and category, English names, a decimal point), the (month, category) rows the XLSX and ODS
exports write (exchange/spreadsheets/exports.py) and the (month, workshop, category) cells of
the reader's CSV (exchange/figures/reader_csv.py). The sums come from exchange/figures/service.py."""

from __future__ import annotations

import csv
import io
from collections import defaultdict

from exchange.figures.arithmetic import (
    Month,
    Sums,
    decimal_text,
    diverted_g,
    kg_text,
    month_range,
    rate_value,
    reuse_rate,
    waste_avoided_g,
)
from exchange.figures.factors import load_factor_set
from exchange.figures.scope import LieuScope
from exchange.figures.service import monthly_cells, names, with_co2e

CSV_MEDIA_TYPE = "text/csv"  # Litestar adds "; charset=utf-8"
BOM = "\ufeff"  # lets Excel open the file as UTF-8 (LibreOffice takes it too)
# The figures of a row, in every export's order (figures.csv, its XLSX and ODS, the network's).
# The transfers between lieux came with the network and go last, so that a column a lieu's
# spreadsheet already reads by its position keeps it; on a single lieu they are 0.
FIGURE_COLUMNS = (
    "intake_kg",
    "reused_kg",
    "recycled_kg",
    "discarded_kg",
    "loss_kg",
    "adjusted_kg",
    "opening_stock_kg",
    "stock_kg",
    "waste_avoided_kg",
    "diverted_kg",
    "reuse_rate",
    "co2e_avoided_kg",
    "items_reused",
    "transferred_in_kg",
    "transferred_out_kg",
)
CSV_COLUMNS = ("month", "category", *FIGURE_COLUMNS, "factor_set")


def _csv_row(month: Month, slug: str, s: Sums, version: str) -> list[str]:
    rate = reuse_rate(s)
    return [
        str(month),
        slug,
        kg_text(s.intake_g),
        kg_text(s.reused_g),
        kg_text(s.recycled_g),
        kg_text(s.discarded_g),
        kg_text(s.loss_g),
        kg_text(s.adjusted_g),
        kg_text(s.opening_g),
        kg_text(s.closing_g),
        kg_text(waste_avoided_g(s)),
        kg_text(diverted_g(s)),
        "" if rate is None else f"{rate_value(rate):.4f}",
        decimal_text(s.co2e_kg),
        str(s.items_reused),
        kg_text(s.transferred_in_g),
        kg_text(s.transferred_out_g),
        version,
    ]


async def figures_rows(
    from_month: str, to_month: str, factor_set: str | None = None, lieu: LieuScope | None = None
) -> list[tuple[Month, str, Sums, str]]:
    """(month, category slug, sums, factor set version): one per month and category (the
    categories with anything to say in the range); the rows of the CSV, XLSX and ODS exports."""
    months = month_range(from_month, to_month)
    factors = await load_factor_set(factor_set)
    _, categories = await names()
    per_month: list[dict[int, Sums]] = []
    for cells in await monthly_cells(months, lieu=lieu):
        with_co2e(cells, factors)
        by_category: dict[int, Sums] = defaultdict(Sums)
        for (_, c), sums in cells.items():
            by_category[c].add(sums)
        per_month.append(by_category)
    shown = sorted(
        {c for by_category in per_month for c, s in by_category.items() if not s.is_empty()},
        key=lambda c: categories[c]["slug"] if c in categories else str(c),
    )
    return [
        (month, categories[c]["slug"], by_category.get(c, Sums()), factors.version)
        for month, by_category in zip(months, per_month)
        for c in shown
    ]


async def figures_csv(
    from_month: str, to_month: str, factor_set: str | None = None, lieu: LieuScope | None = None
) -> str:
    """One row per month and category (the categories with anything to say in the range),
    UTF-8 text with a header row, comma-separated, a point as decimal separator, masses in
    kg to the gram, the reuse rate as a fraction (0.2500), empty when nothing left."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for month, slug, sums, version in await figures_rows(from_month, to_month, factor_set, lieu):
        writer.writerow(_csv_row(month, slug, sums, version))
    return out.getvalue()


async def figures_cells(
    from_month: str, to_month: str, factor_set: str | None = None, lieu: LieuScope | None = None
) -> tuple[list[tuple[Month, str, str, Sums]], str]:
    """Every month's figures per workshop and category (the cells with anything to say), as
    (month, workshop slug, category slug, sums), and the factor set's version: the rows of
    the CSV a coordinator downloads from the figures page."""
    months = month_range(from_month, to_month)
    factors = await load_factor_set(factor_set)
    workshops, categories = await names()
    rows = []
    for month, cells in zip(months, await monthly_cells(months, lieu=lieu)):
        with_co2e(cells, factors)
        for (w, c), sums in sorted(
            cells.items(), key=lambda i: (workshops.get(i[0][0], ""), categories.get(i[0][1], {}).get("slug", ""))
        ):
            if not sums.is_empty() and w in workshops and c in categories:
                rows.append((month, workshops[w], categories[c]["slug"], sums))
    return rows, factors.version
