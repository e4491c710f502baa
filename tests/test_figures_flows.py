"""Each month's flows kept ahead with the stock (flow_change, exchange.figures.stock), on both
engines: the flows read from the kept months and the events after the mark are those summed
afresh from the events (before the keeper, half kept, after it, with backdated events after
the mark, whatever the chunk size, by workshop or by lieu, over one month or several); a lieu's
month and the network's are the same kept or not, emptied or not; a change of time zone cuts
the kept flows anew."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import msgspec
import pytest
from network_support import REUNION, other_lieu
from test_figures_stock import write_history
from test_figures_support import History

from exchange.auth.service import actor_of_member
from exchange.figures import queries, service, stock
from exchange.figures.arithmetic import Month, boundaries
from exchange.figures.scope import all_lieux, by_time_zone, lieu_scope
from exchange.tables import FlowChange, Lieu, StockChange, StockChangeMark

pytestmark = pytest.mark.stock_sqlite_too  # also on Piccolo's stock SQLite engine (conftest)

MONTHS = [Month(2025, m) for m in range(1, 6)]


def _nonempty(buckets, holds=lambda key: True) -> dict:
    cells = {
        b: {c: s for c, s in by_cell.items() if not s.is_empty() and holds(c[0])} for b, by_cell in buckets.items()
    }
    return {b: by_cell for b, by_cell in cells.items() if by_cell}


async def assert_kept_is_afresh(tz: str = "Europe/Paris", scope=None) -> None:
    """The kept flows (kept rows + events after the mark) equal the flows summed afresh, over
    the five months at once and over each alone; with `scope` (a time zone's lieux, by lieu),
    in its cells (as monthly_cells reads them: afresh, a transfer in or out of the scope has a
    cell outside it too)."""
    workshops, by_lieu, holds = None, False, lambda key: True
    if scope is not None:
        workshops, by_lieu, holds = scope.workshops, True, scope.holds
    for months in (MONTHS, *([m] for m in MONTHS)):
        bounds = boundaries(months, ZoneInfo(tz))
        kept = await queries.kept_flow_rows(tz, [str(m) for m in months], bounds, workshops, by_lieu)
        afresh = await queries.flow_rows(bounds, workshops, by_lieu)
        assert _nonempty(service.fold(kept), holds) == _nonempty(service.fold(afresh), holds), (tz, months)


async def kept_flows() -> dict:
    rows = await FlowChange.select(*[c for c in FlowChange._meta.columns if c._meta.name != "id"])
    return {tuple(r[k] for k in list(r)[:6]): tuple(r[k] for k in list(r)[6:]) for r in rows}


async def forget_kept() -> None:
    for table in (StockChange, FlowChange, StockChangeMark):
        await table.delete(force=True)


async def test_kept_flows_are_the_flows_summed_afresh(lieu):
    h = await write_history(lieu)
    tz = (await lieu_scope()).timezone
    await assert_kept_is_afresh(tz)  # nothing kept yet: every event is after the mark
    assert await stock._keep_chunk(tz, ZoneInfo(tz), 4) == 4  # half kept
    assert await kept_flows()
    await assert_kept_is_afresh(tz)
    await stock.keep_stock_ahead()
    await assert_kept_is_afresh(tz)
    # backdated into kept months: after the mark until the keeper adds them to their months
    bar = await h.intake("2025-02-01T08:00:00+01:00", category="steel", workshop="metal", mass_kg=2)
    await h.act("move", bar, "2025-03-10T08:00:00+01:00", workshop="bois")
    await assert_kept_is_afresh(tz)
    assert await stock.keep_stock_ahead() == 2
    await assert_kept_is_afresh(tz)
    # any chunk size keeps the same sums
    whole = await kept_flows()
    await forget_kept()
    assert await stock.keep_stock_ahead(chunk=3) > 0
    assert await kept_flows() == whole


async def two_lieux(lieu) -> str:
    """La Réunion's lieu next to the first, a piece transferred there on the last evening of
    February in Paris (already March in La Réunion) and used there; the first lieu's slug."""
    away = await other_lieu(REUNION, "run-bois", roles=("steward",))
    home, there = History(lieu), History(lieu, actor=await actor_of_member(away.ids["steward"]))
    panel = await home.intake("2025-01-10T10:00:00+01:00", category="steel", workshop="bois", mass_kg=8)
    await home.act("move", panel, "2025-01-20T10:00:00+01:00", workshop="metal")
    await home.act("transfer", panel, "2025-02-28T23:30:00+01:00", workshop="run-bois")
    await there.act("use", panel, "2025-03-15T10:00:00+04:00")
    await there.intake("2025-04-02T10:00:00+04:00", category="plywood", workshop="run-bois", mass_kg=5)
    return (await lieu_scope()).slug


async def every_month(home: str) -> list:
    return [
        msgspec.to_builtins(figures)
        for month in MONTHS
        for figures in (
            await service.month_figures(str(month), lieu=await lieu_scope(home)),
            await service.month_figures(str(month), lieu=await lieu_scope(REUNION.slug)),
            await service.network_figures(str(month)),
        )
    ]


async def test_a_lieu_and_the_network_are_the_same_kept_or_not(lieu):
    await write_history(lieu)
    home = await two_lieux(lieu)
    summed = await every_month(home)
    assert summed[-1]["stock_kg"] > 0 and summed[8]["reused_kg"] > 0  # March: used in La Réunion
    await stock.keep_stock_ahead()
    assert await every_month(home) == summed
    for zone, _ in by_time_zone(await all_lieux()):  # the network's form: by lieu, each zone's workshops
        await assert_kept_is_afresh(zone.timezone, zone)
    await forget_kept()  # emptied: summed from the events again, then kept again
    assert await every_month(home) == summed
    await stock.keep_stock_ahead()
    assert await every_month(home) == summed


async def test_a_new_time_zone_keeps_the_flows_anew(lieu):
    await write_history(lieu)
    await stock.keep_stock_ahead()
    await Lieu.update({Lieu.time_zone: "America/Guadeloupe"}, force=True)
    await assert_kept_is_afresh("America/Guadeloupe")  # nothing kept there yet: summed afresh
    await stock.keep_stock_ahead()
    assert {r["timezone"] for r in await FlowChange.select(FlowChange.timezone)} == {"America/Guadeloupe"}
    await assert_kept_is_afresh("America/Guadeloupe")
