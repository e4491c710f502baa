"""The figures as a person downloads them from /figures: columns named in the reader's language,
one row per month, workshop and material, workshop and material by their names; in French
with semicolons and decimal commas (what a French spreadsheet opens with a double click).
The API's figures.csv keeps its own contract (English column names, a row per month and
category, a decimal point)."""

from __future__ import annotations

import csv
import io

from exchange.figures import service
from exchange.figures.arithmetic import (
    decimal_text,
    diverted_g,
    kg_text,
    rate_value,
    reuse_rate,
)
from exchange.web import i18n

# (column's word in the catalogue, its unit, the figure from a cell's sums)
COLUMNS = (
    ("fig.intake", "kg", lambda s: kg_text(s.intake_g)),
    ("fig.reused", "kg", lambda s: kg_text(s.reused_g)),
    ("fig.recycled", "kg", lambda s: kg_text(s.recycled_g)),
    ("fig.discarded", "kg", lambda s: kg_text(s.discarded_g)),
    ("fig.loss", "kg", lambda s: kg_text(s.loss_g)),
    ("fig.adjusted", "kg", lambda s: kg_text(s.adjusted_g)),
    ("fig.moved_in", "kg", lambda s: kg_text(s.moved_in_g)),
    ("fig.moved_out", "kg", lambda s: kg_text(s.moved_out_g)),
    ("fig.opening", "kg", lambda s: kg_text(s.opening_g)),
    ("fig.stock", "kg", lambda s: kg_text(s.closing_g)),
    ("fig.diverted", "kg", lambda s: kg_text(diverted_g(s))),
    ("fig.reuse_rate", "%", lambda s: "" if (r := reuse_rate(s)) is None else f"{rate_value(r) * 100:.1f}"),
    ("fig.co2e", "kg CO2e", lambda s: decimal_text(s.co2e_kg)),
    ("fig.items_reused", "", lambda s: str(s.items_reused)),
)


def header(lang: str) -> list[str]:
    named = [f"{i18n.translate(lang, key)} ({unit})" if unit else i18n.translate(lang, key) for key, unit, _ in COLUMNS]
    return [
        i18n.translate(lang, "fig.month"),
        i18n.translate(lang, "fig.workshop"),
        i18n.translate(lang, "fig.category"),
        *named,
        i18n.translate(lang, "fig.factor_set"),
    ]


async def figures_csv(
    from_month: str,
    to_month: str,
    lang: str,
    workshops: dict[str, str],
    categories: dict[str, str],
    factor_set: str | None = None,
) -> str:
    """The CSV text; `workshops` and `categories` map slugs to the names the reader reads."""
    rows, version = await service.figures_cells(from_month, to_month, factor_set)
    french = lang == "fr"
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if french else ",", lineterminator="\r\n")
    writer.writerow(header(lang))
    for month, workshop, category, sums in rows:
        numbers = [figure(sums) for _, _, figure in COLUMNS]
        if french:
            numbers = [n.replace(".", ",") for n in numbers]
        writer.writerow(
            [str(month), workshops.get(workshop, workshop), categories.get(category, category), *numbers, version]
        )
    return out.getvalue()
