"""Actions taken offline and recorded late, on both engines: a member's action reaches the
server after its month has closed and the kept monthly sums (exchange/figures/stock.py)
have passed it; the figures count it in the month it happened (occurred_at), before and
after the keeper adds it, and the kept sums equal those summed afresh from the ledger."""

from __future__ import annotations

from datetime import UTC

import msgspec
import pytest
from test_figures_support import History, at

from exchange.figures import service, stock
from exchange.items import actions
from exchange.ledger.rules import Invalid
from exchange.tables import Event, StockChange, StockChangeMark

JANUARY, FEBRUARY = "2025-01", "2025-02"


async def figures() -> tuple[dict, dict]:
    return tuple([msgspec.to_builtins(await service.month_figures(month)) for month in (JANUARY, FEBRUARY)])


async def kept() -> dict:
    rows = await StockChange.select(StockChange.month, StockChange.workshop, StockChange.category, StockChange.net_g)
    return {(r["month"], r["workshop"], r["category"]): r["net_g"] for r in rows}


async def test_an_action_synced_after_its_month_closed_counts_in_that_month(lieu, monkeypatch):
    steward = History(lieu)
    plank = await steward.intake("2025-01-10T10:00:00+01:00", mass_kg=7.5)
    offcut = await steward.intake("2025-01-20T10:00:00+01:00", mass_kg=2)
    await steward.intake("2025-02-01T09:00:00+01:00", mass_kg=1)  # February has begun
    assert await stock.keep_stock_ahead() == 3  # January is kept
    january, february = await figures()
    assert (january["stock_kg"], february["opening_stock_kg"]) == (9.5, 9.5)

    # 1 February, 10:00 in Paris: a member's phone gets the network back and sends the use
    # of the plank taken in the basement at 23:30 on 31 January.
    now = at("2025-02-01T10:00:00+01:00")
    monkeypatch.setattr(actions, "now_utc", lambda: now.astimezone(UTC))
    member = History(lieu, "member")
    await member.act("use", plank, "2025-01-31T23:30:00+01:00", project="Étagère")
    (use,) = await Event.select().where(Event.kind == "use")
    assert use["occurred_at"] == at("2025-01-31T23:30:00+01:00")
    assert use["recorded_at"] == now

    def moved_by_the_use(before: tuple[dict, dict], after: tuple[dict, dict]) -> None:
        (jan, feb), (jan2, feb2) = before, after
        assert jan2["reused_kg"] == jan["reused_kg"] + 7.5 and jan2["items_reused"] == jan["items_reused"] + 1
        assert jan2["stock_kg"] == pytest.approx(jan["stock_kg"] - 7.5)
        assert feb2["opening_stock_kg"] == pytest.approx(feb["opening_stock_kg"] - 7.5)
        assert (feb2["reused_kg"], feb2["intake_kg"]) == (feb["reused_kg"], feb["intake_kg"])  # not February's

    late = await figures()
    moved_by_the_use((january, february), late)  # the event is past the keeper's mark: summed
    assert await stock.keep_stock_ahead() == 1
    assert await figures() == late  # now kept, in January
    in_january = await kept()
    await StockChange.delete(force=True)
    await StockChangeMark.delete(force=True)
    await stock.keep_stock_ahead()
    assert await kept() == in_january  # the same as the whole ledger summed afresh

    # Older than a day, a member's action is refused, and nothing is written.
    with pytest.raises(Invalid, match="24 hours"):
        await member.act("use", offcut, "2025-01-31T09:59:00+01:00")
    assert await Event.count() == 4
