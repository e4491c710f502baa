"""The stock kept ahead (exchange.figures.stock), on both engines: the figures are the same
whether the months are kept or summed from the events, before and after a backdated event,
whatever the chunk size, with two keepers at once, across a change of time zone, and (on
PostgreSQL) with an event whose id was handed out before another's but committed after, and
behind a long transaction."""

from __future__ import annotations

import asyncio

import asyncpg
import msgspec
import pytest
from test_figures_support import History, at

from exchange.figures import service, stock
from exchange.figures.arithmetic import parse_month
from exchange.settings import get_settings
from exchange.tables import Event, Item, Lieu, StockChange, StockChangeMark

pytestmark = pytest.mark.stock_sqlite_too  # also on Piccolo's stock SQLite engine (conftest)

MONTHS = ("2025-01", "2025-02", "2025-03", "2025-04", "2025-05")


async def write_history(lieu) -> History:
    h = History(lieu)
    panel = await h.intake("2025-01-10T10:00:00+01:00", category="plywood", dims=(1200, 600, 18))
    bar = await h.intake("2025-01-20T10:00:00+01:00", category="steel", workshop="metal", mass_kg=12.5)
    await h.act("move", panel, "2025-02-03T09:00:00+01:00", workshop="metal")
    await h.act("adjust", bar, "2025-02-14T09:00:00+01:00", note="re-weighed", mass_kg=11, category="aluminium")
    pieces = await h.split(
        panel,
        "2025-03-05T09:00:00+01:00",
        [
            {"length_mm": 600, "width_mm": 600, "thickness_mm": 18},
            {"length_mm": 500, "width_mm": 600, "thickness_mm": 18},
        ],
    )
    await h.act("use", pieces[0], "2025-03-31T23:30:00+02:00")  # 1 April in Paris
    await h.act("recycle", bar, "2025-04-02T09:00:00+02:00")
    await h.intake("2025-04-20T10:00:00+02:00", category="steel", workshop="bois", mass_kg=3)
    return h


async def all_figures() -> list[dict]:
    return [msgspec.to_builtins(await service.month_figures(month)) for month in MONTHS]


async def kept_rows() -> dict:
    rows = await StockChange.select(StockChange.month, StockChange.workshop, StockChange.category, StockChange.net_g)
    return {(r["month"], r["workshop"], r["category"]): r["net_g"] for r in rows}


async def test_kept_months_give_the_same_figures_as_the_events(lieu):
    h = await write_history(lieu)
    summed = await all_figures()
    assert summed[-1]["opening_stock_kg"] > 0
    added = await stock.keep_stock_ahead()
    assert added == await Event.count()
    mark = await StockChangeMark.select().first()
    assert mark["timezone"] == get_settings().timezone
    assert mark["last_event"] == (await Event.select(Event.id).order_by(Event.id, ascending=False).first())["id"]
    assert await all_figures() == summed
    assert await stock.keep_stock_ahead() == 0  # nothing new: nothing written

    # A backdated intake into a kept month counts there, before and after the keeper adds it.
    await h.intake("2025-02-01T08:00:00+01:00", category="steel", workshop="metal", mass_kg=2)
    late = await all_figures()
    assert late[1]["intake_kg"] == summed[1]["intake_kg"] + 2
    for before, after in zip(summed[2:], late[2:]):
        assert after["opening_stock_kg"] == pytest.approx(before["opening_stock_kg"] + 2)
    assert await stock.keep_stock_ahead() == 1
    assert await all_figures() == late


async def test_any_chunk_size_keeps_the_same_sums(lieu):
    await write_history(lieu)
    assert await stock.keep_stock_ahead(chunk=3) == await Event.count()
    by_threes = await kept_rows()
    await StockChange.delete(force=True)
    await StockChangeMark.delete(force=True)
    await stock.keep_stock_ahead()
    assert await kept_rows() == by_threes
    # all the months kept add up to the lieu's stock today
    today = await Item.select(Item.mass_g).where(Item.status.is_in(["available", "reserved"]))
    assert sum(by_threes.values()) == sum(r["mass_g"] or 0 for r in today)


async def test_two_keepers_at_once_count_each_event_once(lieu):
    await write_history(lieu)
    summed = await all_figures()
    counts = await asyncio.gather(*(stock.keep_stock_ahead(chunk=2) for _ in range(4)))
    assert sum(counts) == await Event.count()
    assert await all_figures() == summed


async def test_a_new_time_zone_cuts_the_months_anew(lieu):
    await write_history(lieu)
    await stock.keep_stock_ahead()
    # the lieu moves to Guadeloupe (UTC-4): its months are cut anew
    await Lieu.update({Lieu.time_zone: "America/Guadeloupe"}, force=True)
    april = parse_month("2025-04")
    # the use at 21:30 UTC on 31 March is in March there: April opens without that piece
    summed_afresh = await stock.opening_stock(april)
    assert await stock.keep_stock_ahead() == await Event.count()
    assert await stock.opening_stock(april) == summed_afresh
    assert {r["timezone"] for r in await StockChangeMark.select(StockChangeMark.timezone)} == {"America/Guadeloupe"}
    assert {r["timezone"] for r in await StockChange.select(StockChange.timezone)} == {"America/Guadeloupe"}


async def test_an_event_committed_late_is_not_passed_over(lieu):
    if lieu.name != "postgres":
        pytest.skip("SQLite writers commit in the order of their ids (one writer at a time)")
    await write_history(lieu)
    await stock.keep_stock_ahead()
    march = parse_month("2025-03")
    before = await stock.opening_stock(march)
    item = await Event.select(Event.item, Event.workshop, Event.category).first()
    columns = "(item, kind, occurred_at, recorded_at, workshop, category, mass_g, note, data)"
    values = "($1, 'intake', $2, now(), $3, $4, $5, '', $6)"
    slow = await asyncpg.connect(lieu.url)
    try:
        transaction = slow.transaction()
        await transaction.start()
        await slow.execute(
            f"INSERT INTO event {columns} VALUES {values}",
            item["item"],
            at("2025-02-02T10:00:00+01:00"),
            item["workshop"],
            item["category"],
            1_000,
            "{}",
        )
        # a later id, committed first
        await Event.raw(
            f"INSERT INTO event {columns} VALUES ({{}}, 'intake', {{}}, now(), {{}}, {{}}, {{}}, '', {{}})",
            item["item"],
            at("2025-02-03T10:00:00+01:00"),
            item["workshop"],
            item["category"],
            500,
            "{}",
        )
        keeper = asyncio.create_task(stock.keep_stock_ahead())
        await asyncio.sleep(0.3)
        assert not keeper.done(), "the keeper went on while an earlier event was uncommitted"
        await transaction.commit()
        assert await asyncio.wait_for(keeper, 10) == 2
    finally:
        await slow.close()
    cell = (item["workshop"], item["category"])
    kept = await stock.opening_stock(march)
    assert kept[cell] == before.get(cell, 0) + 1_500
    await StockChange.delete(force=True)
    await StockChangeMark.delete(force=True)
    assert await stock.opening_stock(march) == kept  # the same, summed from the events alone


async def test_behind_a_long_transaction_the_keeper_comes_back_later(lieu):
    if lieu.name != "postgres":
        pytest.skip("SQLite writers commit in the order of their ids (one writer at a time)")
    await write_history(lieu)
    await stock.keep_stock_ahead()
    item = await Event.select(Event.item, Event.workshop, Event.category).first()
    long = await asyncpg.connect(lieu.url)
    try:
        transaction = long.transaction()
        await transaction.start()
        await long.execute(
            "INSERT INTO event (item, kind, occurred_at, recorded_at, workshop, category, mass_g, note, data)"
            " VALUES ($1, 'intake', $2, now(), $3, $4, 700, '', '{}')",
            item["item"],
            at("2025-02-02T10:00:00+01:00"),
            item["workshop"],
            item["category"],
        )
        # a later event, committed: the keeper has work, but must wait for the long transaction
        await Event.raw(
            "INSERT INTO event (item, kind, occurred_at, recorded_at, workshop, category, mass_g, note, data)"
            " VALUES ({}, 'intake', {}, now(), {}, {}, 300, '', {})",
            item["item"],
            at("2025-02-03T10:00:00+01:00"),
            item["workshop"],
            item["category"],
            "{}",
        )
        # it waits a second, then gives up quietly
        assert await asyncio.wait_for(stock.keep_stock_ahead(), 5) == 0
        await transaction.commit()
    finally:
        await long.close()
    assert await stock.keep_stock_ahead() == 2
