"""The figures, from the ledger alone: one grouped SQL query gives the requested months' flows
(in the lieu's time zone) by workshop and category, from the months kept ahead and the events
not kept yet (exchange.figures.stock); the Python that follows only adds up those few groups,
never the events.

Stock is an as-of query: the signed sum of every event before an instant (intake +,
piece +, split −parent, use/recycle/discard −, adjust +new −old, moves ± per workshop),
not today's item table (exchange.figures.stock, with the months before summed ahead):
the opening stock of the first month asked for, then each month's
closing = opening + the signed sum of its events. That signed sum counts a split as
−parent and its pieces as +, independently of the flows, so the mass balance
opening + intake + adjusted (+ moved_in − moved_out + transferred_in − transferred_out)
= reused + recycled + discarded + loss + closing
is a real check (it holds when every split's recorded loss equals parent − pieces).

The rows of the exports (the API's CSV, the spreadsheets) are shaped in exchange/figures/rows.py."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime

from exchange.figures import queries, schemas
from exchange.figures.arithmetic import (
    MAX_MONTHS,
    Month,
    Sums,
    balance_gap_g,
    boundaries,
    co2e_kg,
    diverted_g,
    equivalences,
    kg,
    month_of,
    months_between,
    network_sums,
    parse_month,
    rate_value,
    reuse_rate,
    round_decimal,
    waste_avoided_g,
)
from exchange.figures.factors import LoadedFactorSet, as_written, load_factor_set
from exchange.figures.scope import LieuScope, all_lieux, by_time_zone, lieu_scope
from exchange.figures.stock import Cell, opening_stock, take_from_origins
from exchange.ledger.rules import Invalid
from exchange.lieu import queries as lieu_queries
from exchange.messages import _

log = logging.getLogger("exchange.figures")


def fold(rows: Iterable[dict]) -> dict[int, dict[Cell, Sums]]:
    """The grouped flow rows → Sums per bucket and (workshop, category), flows and signed net.

    A move counts in at its workshop and out at its from_workshop; an adjust adds the new
    mass to its category and takes the old mass from its from_category. A kept row
    (queries.kept_flows_sql) has them at its own cell instead (queries.CELL_FLOWS)."""
    buckets: dict[int, dict[Cell, Sums]] = defaultdict(lambda: defaultdict(Sums))
    for row in rows:
        r = {k: int(v) if v is not None else None for k, v in row.items()}
        cells = buckets[r["bucket"]]
        here = cells[(r["workshop"], r["category"])]
        here.intake_g += r["intake_g"]
        here.reused_g += r["reused_g"]
        here.items_reused += r["items_reused"]
        here.recycled_g += r["recycled_g"]
        here.discarded_g += r["discarded_g"]
        here.loss_g += r["loss_g"]
        kept = {name: r.get(name) or 0 for name in queries.CELL_FLOWS}  # a kept row's, else 0
        here.adjusted_g += r["adjust_new_g"] - kept["adjust_out_g"]
        here.moved_in_g += r["moved_g"] + kept["moved_in_g"]
        here.moved_out_g += kept["moved_out_g"]
        transferred = r.get("transferred_g") or 0
        here.transferred_in_g += transferred + kept["transferred_in_g"]
        here.transferred_out_g += kept["transferred_out_g"]
        here.net_g += (
            r["intake_g"]
            + r["piece_g"]
            - r["split_g"]
            - r["reused_g"]
            - r["recycled_g"]
            - r["discarded_g"]
            + r["adjust_new_g"]
            + r["moved_g"]
            + transferred
            + kept["moved_in_g"]
            + kept["transferred_in_g"]
            - kept["adjust_out_g"]
            - kept["moved_out_g"]
            - kept["transferred_out_g"]
        )
        take_from_origins(
            cells,
            r,
            lambda sums, grams: setattr(sums, "adjusted_g", sums.adjusted_g - grams),
            lambda sums, grams: setattr(sums, "moved_out_g", sums.moved_out_g + grams),
            lambda sums, grams: setattr(sums, "transferred_out_g", sums.transferred_out_g + grams),
        )
    return buckets


async def monthly_cells(
    months: list[Month], *, with_stock: bool = True, lieu: LieuScope | None = None
) -> list[dict[Cell, Sums]]:
    """For each month of the lieu (in its time zone), Sums per (workshop, category) of its
    workshops, with opening stock when `with_stock` (the stock as of the first month's start,
    then carried by each month's net). A transfer out of the lieu counts at its origin."""
    lieu = lieu or await lieu_scope()
    bounds = boundaries(months, lieu.tz)
    only = None if lieu.alone else lieu.workshops
    by_lieu = lieu.lieux is not None
    buckets = fold(await queries.kept_flow_rows(lieu.timezone, [str(m) for m in months], bounds, only, by_lieu))
    stock: dict[Cell, int] = defaultdict(int)
    if with_stock:
        opening = await opening_stock(months[0], lieu.timezone, only, by_lieu)
        stock.update({cell: g for cell, g in opening.items() if lieu.holds(cell[0])})
    result = []
    for index in range(1, len(months) + 1):
        cells = {cell: sums for cell, sums in buckets.get(index, {}).items() if lieu.holds(cell[0])}
        for cell, opening in stock.items():
            cells.setdefault(cell, Sums()).opening_g = opening
        for cell, sums in cells.items():
            stock[cell] = sums.closing_g
        result.append(cells)
    return result


def with_co2e(cells: dict[Cell, Sums], factors: LoadedFactorSet) -> dict[Cell, Sums]:
    for (_workshop, category), sums in cells.items():
        reuse, recycle = factors.values.get(category, (None, None))
        sums.co2e_kg = co2e_kg(sums.reused_g, sums.recycled_g, reuse, recycle)
    return cells


def figure_fields(s: Sums) -> dict:
    """Sums in grams → the figures in kg, as the API writes them."""
    return dict(
        intake_kg=kg(s.intake_g),
        reused_kg=kg(s.reused_g),
        recycled_kg=kg(s.recycled_g),
        discarded_kg=kg(s.discarded_g),
        loss_kg=kg(s.loss_g),
        adjusted_kg=kg(s.adjusted_g),
        moved_in_kg=kg(s.moved_in_g),
        moved_out_kg=kg(s.moved_out_g),
        transferred_in_kg=kg(s.transferred_in_g),
        transferred_out_kg=kg(s.transferred_out_g),
        opening_stock_kg=kg(s.opening_g),
        stock_kg=kg(s.closing_g),
        waste_avoided_kg=kg(waste_avoided_g(s)),
        diverted_kg=kg(diverted_g(s)),
        reuse_rate=rate_value(reuse_rate(s)),
        co2e_avoided_kg=round_decimal(s.co2e_kg),
        items_reused=s.items_reused,
    )


async def names() -> tuple[dict[int, str], dict[int, dict]]:
    return await lieu_queries.workshop_slugs_by_id(), await lieu_queries.categories_by_id()


def _check_balance(
    month: Month, cells: dict[Cell, Sums], workshops: dict[int, str], categories: dict[int, dict]
) -> None:
    for (w, c), sums in cells.items():
        gap = balance_gap_g(sums)
        if gap:
            log.warning(
                "mass balance off by %s g in %s for workshop %s, category %s: a split's recorded loss "
                "differs from its parent minus its pieces",
                gap,
                month,
                workshops.get(w),
                categories.get(c, {}).get("slug"),
            )


_UNKNOWN = {
    "workshop": lambda slug: _("Unknown workshop '%(slug)s'.", slug=slug),
    "category": lambda slug: _("Unknown category '%(slug)s'.", slug=slug),
}


def _id_for(slug: str | None, table: dict, field: str, key=lambda v: v) -> int | None:
    if slug is None or slug == "":
        return None
    for id_, value in table.items():
        if key(value) == slug:
            return id_
    raise Invalid(_UNKNOWN[field](slug), field=field)


async def month_figures(
    month: str,
    *,
    workshop: str | None = None,
    category: str | None = None,
    factor_set: str | None = None,
    lieu: LieuScope | None = None,
) -> schemas.FiguresOut:
    """The month's figures for the lieu (by default the first), or one workshop and/or one
    category, with the per-category and per-workshop breakdown of that scope and the factor
    set used. The month is the lieu's, in its time zone."""
    lieu = lieu or await lieu_scope()
    the_month = parse_month(month)
    factors = await load_factor_set(factor_set)
    workshops, categories = await names()
    workshops = {w: slug for w, slug in workshops.items() if lieu.holds(w)}
    workshop_id = _id_for(workshop, workshops, "workshop")
    category_id = _id_for(category, categories, "category", key=lambda r: r["slug"])
    (cells,) = await monthly_cells([the_month], lieu=lieu)
    with_co2e(cells, factors)
    _check_balance(the_month, cells, workshops, categories)

    def in_scope(cell: Cell) -> bool:
        return (workshop_id is None or cell[0] == workshop_id) and (category_id is None or cell[1] == category_id)

    scoped = {cell: sums for cell, sums in cells.items() if in_scope(cell)}
    total = Sums.total(scoped.values())
    by_category: dict[int, Sums] = defaultdict(Sums)
    by_workshop: dict[int, Sums] = {w: Sums() for w in workshops if workshop_id is None or w == workshop_id}
    for (w, c), sums in scoped.items():
        by_category[c].add(sums)
        by_workshop.setdefault(w, Sums()).add(sums)
    start, end = boundaries([the_month], lieu.tz)
    reused_by_slug = {categories[c]["slug"]: s.reused_g for c, s in by_category.items() if c in categories}
    densities = {r["slug"]: r["density_kg_m3"] and as_written(r["density_kg_m3"]) for r in categories.values()}
    return schemas.FiguresOut(
        month=str(the_month),
        timezone=lieu.timezone,
        period_start=start.astimezone(lieu.tz),
        period_end=end.astimezone(lieu.tz),
        lieu=lieu.slug,
        workshop=workshop or None,
        category=category or None,
        **figure_fields(total),
        equivalences=[
            schemas.Equivalence(
                category=e.category,
                reused_kg=kg(e.reused_g),
                count=e.count_tenths,
                object=e.reference.name,
                object_fr=e.reference.name_fr,
                size=e.reference.size,
                density_kg_m3=e.density_kg_m3,
                unit_mass_kg=float(e.unit_mass_kg),
                basis=e.basis,
            )
            for e in equivalences(reused_by_slug, densities)
        ],
        by_category=[
            schemas.CategoryFigures(category=categories[c]["slug"], **figure_fields(s))
            for c, s in sorted(by_category.items(), key=lambda i: categories[i[0]]["slug"])
            if not s.is_empty()
        ],
        by_workshop=[
            schemas.WorkshopFigures(workshop=workshops[w], **figure_fields(s))
            for w, s in sorted(by_workshop.items(), key=lambda i: workshops.get(i[0], ""))
            if w in workshops
        ],
        factor_set=factors.out(),
    )


async def trend(
    months: int = 12, end_month: str | None = None, factor_set: str | None = None, lieu: LieuScope | None = None
) -> schemas.TrendOut:
    """The last `months` months up to `end_month` (default: the current month, so far):
    reused, recycled and discarded kg and CO2e avoided, for the page's charts."""
    lieu = lieu or await lieu_scope()
    if not 1 <= months <= MAX_MONTHS:
        raise Invalid(_("months must be between 1 and %(max)s.", max=MAX_MONTHS), field="months")
    last = parse_month(end_month, "end") if end_month else month_of(datetime.now(UTC), lieu.tz)
    chosen = months_between(last.plus(1 - months), last)
    factors = await load_factor_set(factor_set)
    result = []
    for month, cells in zip(chosen, await monthly_cells(chosen, with_stock=False, lieu=lieu)):
        total = Sums.total(with_co2e(cells, factors).values())
        result.append(
            schemas.TrendMonth(
                month=str(month),
                reused_kg=kg(total.reused_g),
                recycled_kg=kg(total.recycled_g),
                discarded_kg=kg(total.discarded_g),
                co2e_avoided_kg=round_decimal(total.co2e_kg),
            )
        )
    return schemas.TrendOut(timezone=lieu.timezone, months=result, factor_set=factors.out())


def _lieu_month(cells: dict[Cell, Sums], factors: LoadedFactorSet, by_category: dict[int, list[Sums]]) -> Sums:
    """One lieu's month in the network's: its total, and its sums per category added to `by_category`."""
    with_co2e(cells, factors)
    per_category: dict[int, Sums] = defaultdict(Sums)
    for (_workshop, c), sums in cells.items():
        per_category[c].add(sums)
    for c, sums in per_category.items():
        by_category[c].append(sums)
    return Sums.total(cells.values())


async def network_figures(month: str, factor_set: str | None = None) -> schemas.FiguresOut:
    """The network's month: the sum of each lieu's own month (in its own time zone), with the
    transfers between lieux cancelling (arithmetic.network_sums) and CO2e counted where each
    piece was used; `by_lieu` gives each lieu's figures, `by_category` the network's."""
    the_month = parse_month(month)
    factors = await load_factor_set(factor_set)
    _, categories = await names()
    by_lieu: list[tuple[LieuScope, Sums]] = []
    by_category: dict[int, list[Sums]] = defaultdict(list)
    starts, ends = [], []
    # The lieux of one time zone share their month: one read of the ledger for them all, summed
    # per lieu and category (at 300 lieux, 2 queries per time zone instead of 2 per lieu).
    for zone, lieux in by_time_zone(await all_lieux()):
        (zone_cells,) = await monthly_cells([the_month], lieu=zone)  # keyed by (lieu, category)
        cells_of: dict[int, dict[Cell, Sums]] = defaultdict(dict)
        for cell, sums in zone_cells.items():
            cells_of[cell[0]][cell] = sums
        for lieu in lieux:
            by_lieu.append((lieu, _lieu_month(cells_of[lieu.id], factors, by_category)))
            start, end = boundaries([the_month], lieu.tz)
            starts.append(start)
            ends.append(end)
    by_lieu.sort(key=lambda pair: pair[0].id)  # in the order they were added
    total = network_sums(s for _, s in by_lieu)
    return schemas.FiguresOut(
        month=str(the_month),
        timezone="UTC",  # each lieu's month in its own time zone: the network's spans them all
        period_start=min(starts),
        period_end=max(ends),
        workshop=None,
        category=None,
        **figure_fields(total),
        equivalences=[],
        by_category=[
            schemas.CategoryFigures(category=categories[c]["slug"], **figure_fields(network_sums(many)))
            for c, many in sorted(by_category.items(), key=lambda i: categories[i[0]]["slug"])
            if not Sums.total(many).is_empty()
        ],
        by_workshop=[],
        factor_set=factors.out(),
        lieu=None,
        scope="network",
        by_lieu=[
            schemas.LieuFigures(lieu=lieu.slug, timezone=lieu.timezone, **figure_fields(s)) for lieu, s in by_lieu
        ],
    )
