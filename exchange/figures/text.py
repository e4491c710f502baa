"""The month's figures as plain text for the terminal (`exchange figures YYYY-MM`, with
`--lieu SLUG` or `--network`)."""

from __future__ import annotations

from exchange.figures import schemas
from exchange.figures.words import plural

_COLUMNS = (
    ("opening", "opening_stock_kg"),
    ("intake", "intake_kg"),
    ("in", "moved_in_kg"),
    ("out", "moved_out_kg"),
    ("from lieux", "transferred_in_kg"),
    ("to lieux", "transferred_out_kg"),
    ("reused", "reused_kg"),
    ("recycled", "recycled_kg"),
    ("discarded", "discarded_kg"),
    ("loss", "loss_kg"),
    ("adjusted", "adjusted_kg"),
    ("closing", "stock_kg"),
    ("CO2e", "co2e_avoided_kg"),
)


def _kg(value: float) -> str:
    return f"{value:,.3f}"


_MOVES = ("in", "out")
_TRANSFERS = ("from lieux", "to lieux")


def _table(title: str, key: str, rows: list, moves: bool) -> list[str]:
    """One line per row; the columns of moves only when asked, those of transfers between
    lieux only when a row has any (a single lieu's tables stay as they were)."""
    transfers = any(r.transferred_in_kg or r.transferred_out_kg for r in rows)
    columns = [c for c in _COLUMNS if (moves or c[0] not in _MOVES) and (transfers or c[0] not in _TRANSFERS)]
    header = [title] + [name for name, _ in columns]
    body = [[getattr(r, key)] + [_kg(getattr(r, field)) for _, field in columns] for r in rows]
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))

    return [line(header), "  ".join("-" * w for w in widths), *(line(cells) for cells in body)]


def format_figures(f: schemas.FiguresOut, *, named: bool = False) -> str:
    """Headline, balance, per-workshop (per-lieu for the network) and per-category tables,
    factor set; kg with a point. `named`: the lieu's slug in the title (one chosen by --lieu)."""
    whole = "the network" if f.scope == "network" else f"the whole lieu {f.lieu}" if named else "the whole lieu"
    scope = " / ".join(x for x in (f.workshop, f.category) if x) or whole
    transfers = (
        [
            f"  transferred: from other lieux {_kg(f.transferred_in_kg)} kg, to other lieux {_kg(f.transferred_out_kg)} kg"
        ]
        if f.transferred_in_kg or f.transferred_out_kg
        else []
    )
    rate = "—" if f.reuse_rate is None else f"{f.reuse_rate:.1%}"
    lines = [
        f"Figures for {f.month} ({scope}), {f.period_start.isoformat()} to {f.period_end.isoformat()}",
        "",
        f"  reused (waste avoided) {_kg(f.reused_kg):>14} kg   items reused {f.items_reused}",
        f"  diverted               {_kg(f.diverted_kg):>14} kg   reuse rate {rate}",
        f"  CO2e avoided           {_kg(f.co2e_avoided_kg):>14} kg CO2e (factor set {f.factor_set.version})",
        f"  intake                 {_kg(f.intake_kg):>14} kg",
        f"  recycled               {_kg(f.recycled_kg):>14} kg",
        f"  discarded              {_kg(f.discarded_kg):>14} kg",
        f"  cutting loss           {_kg(f.loss_kg):>14} kg",
        f"  adjusted               {_kg(f.adjusted_kg):>14} kg",
        *transfers,
        f"  stock: opening {_kg(f.opening_stock_kg)} kg, closing {_kg(f.stock_kg)} kg",
        "",
        *(
            f"  like {e.count:g} new {plural(e.object, e.count, 'en')} ({e.size}) not bought: {e.basis}"
            for e in f.equivalences
            if e.count
        ),
        "",
        *(_table("lieu", "lieu", f.by_lieu, moves=False) if f.by_lieu else []),
        "",
        *(_table("workshop", "workshop", f.by_workshop, moves=True) if f.by_workshop else []),
        "",
        *_table("category", "category", f.by_category, moves=False),
    ]
    return "\n".join(lines).replace("\n\n\n", "\n\n") + "\n"
