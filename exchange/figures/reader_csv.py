"""The figures as a person downloads them from /figures: columns named in the reader's language,
one row per month, workshop and material, workshop and material by their names; in French
with semicolons and decimal commas (what a French spreadsheet opens with a double click).
The API's figures.csv keeps its own contract (English column names, a row per month and
category, a decimal point)."""

from __future__ import annotations

import csv
import io

from exchange.figures.arithmetic import (
    decimal_text,
    diverted_g,
    kg_text,
    rate_value,
    reuse_rate,
)
from exchange.figures.rows import figures_cells
from exchange.messages import _

# (column's name, its unit, the figure from a cell's sums)
COLUMNS = (
    (_("Intake"), "kg", lambda s: kg_text(s.intake_g)),
    (_("Reused"), "kg", lambda s: kg_text(s.reused_g)),
    (_("Recycled"), "kg", lambda s: kg_text(s.recycled_g)),
    (_("Discarded"), "kg", lambda s: kg_text(s.discarded_g)),
    (_("Cutting loss"), "kg", lambda s: kg_text(s.loss_g)),
    (_("Adjustments"), "kg", lambda s: kg_text(s.adjusted_g)),
    (_("Moved in"), "kg", lambda s: kg_text(s.moved_in_g)),
    (_("Moved out"), "kg", lambda s: kg_text(s.moved_out_g)),
    (_("From other lieux"), "kg", lambda s: kg_text(s.transferred_in_g)),
    (_("To other lieux"), "kg", lambda s: kg_text(s.transferred_out_g)),
    (_("Opening stock"), "kg", lambda s: kg_text(s.opening_g)),
    (_("Closing stock"), "kg", lambda s: kg_text(s.closing_g)),
    (_("Diverted"), "kg", lambda s: kg_text(diverted_g(s))),
    (_("Reuse rate"), "%", lambda s: "" if (r := reuse_rate(s)) is None else f"{rate_value(r) * 100:.1f}"),
    (_("CO2e avoided"), "kg CO2e", lambda s: decimal_text(s.co2e_kg)),
    (_("Items reused"), "", lambda s: str(s.items_reused)),
)


def header(lang: str) -> list[str]:
    named = [f"{name.translate(lang)} ({unit})" if unit else name.translate(lang) for name, unit, _sums in COLUMNS]
    return [
        _("Month").translate(lang),
        _("Workshop").translate(lang),
        _("Material").translate(lang),
        *named,
        _("Factor set").translate(lang),
    ]


async def figures_csv(
    from_month: str,
    to_month: str,
    lang: str,
    workshops: dict[str, str],
    categories: dict[str, str],
    factor_set: str | None = None,
    lieu=None,
) -> str:
    """The CSV text (of `lieu`, a LieuScope; default the first lieu); `workshops` and
    `categories` map slugs to the names the reader reads."""
    rows, version = await figures_cells(from_month, to_month, factor_set, lieu)
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
