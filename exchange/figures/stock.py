"""The stock as of a month's start and each month's flows, with the ledger's history summed ahead.

The stock at an instant is the signed sum of every earlier event (intake, piece, adjust's
new mass and a move's arrival +; split, use, recycle, discard −; an adjust's old mass leaves
its from_category and a move's mass its from_workshop). Summed afresh, that reads the whole
ledger for every report: a third of a second at a million events. So the keeper
(`keep_stock_ahead`, run by the server every minute) adds the events it has not seen yet,
in the order of their ids, into `stock_change`: the net change per month in the lieu's time
zone, workshop and category; `stock_change_mark` says up to which event. A month's opening
stock is then the kept months before it plus the events after the mark that occurred before
the month, in one statement (one snapshot of both). A backdated event is one more event after
the mark until the keeper adds it to its own month; nothing kept is ever rewritten, only added to.

The month's flows are kept the same way, in the same transaction and under the same mark (one
snapshot of stock and flows): `flow_change`, the sums of queries.KEPT per month, workshop and
category (what left a cell kept at its origin). A month's flows are its kept rows plus the events
after the mark that occurred in it (queries.kept_flows_sql), not a scan of the month's events:
some 400,000 of them for a network of 300 lieux at 10,000,000 events (docs/benchmarks.md).

The tables are derived from the events alone: emptied, they fill again from the ledger.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import tzinfo
from zoneinfo import ZoneInfo

import asyncpg

from exchange.db import is_sqlite, write_transaction
from exchange.figures import queries
from exchange.figures.arithmetic import SIGNS, Month, Sums, month_of
from exchange.ledger.rules import EventKind
from exchange.lieu import queries as lieu_queries
from exchange.settings import get_settings
from exchange.tables import Event

log = logging.getLogger("exchange.figures")

# Events added to the kept months per transaction: some 40 ms each, so the first pass over
# a large ledger never holds the writers (or, on SQLite, the event loop) for long.
KEEP_CHUNK = 5_000

Cell = tuple[int, int]  # (workshop id, category id)


def take_from_origins(cells, r: dict, on_adjust, on_move, on_transfer=None) -> None:
    """An adjust's old mass leaves its from_category; a move's (or a transfer's) mass leaves
    its from_workshop."""
    if r["adjust_old_g"]:
        before = cells[(r["workshop"], r["from_category"] if r["from_category"] is not None else r["category"])]
        before.net_g -= r["adjust_old_g"]
        on_adjust(before, r["adjust_old_g"])
    for column, on_leave in (("moved_g", on_move), ("transferred_g", on_transfer)):
        if r.get(column):
            origin = cells[(r["from_workshop"] if r["from_workshop"] is not None else r["workshop"], r["category"])]
            origin.net_g -= r[column]
            if on_leave is not None:
                on_leave(origin, r[column])


def fold_stock(rows: Iterable[dict]) -> dict[Cell, int]:
    """Stock rows (workshop, category, from_workshop, from_category, here_g, adjust_old_g,
    moved_g) → the net grams per (workshop, category), zero cells left out."""
    cells: dict[Cell, Sums] = defaultdict(Sums)
    for row in rows:
        r = {k: int(v) if v is not None else None for k, v in row.items()}
        cells[(r["workshop"], r["category"])].net_g += r["here_g"]
        take_from_origins(cells, r, lambda *_: None, lambda *_: None)
    return {cell: sums.net_g for cell, sums in cells.items() if sums.net_g}


def stock_row(event: dict) -> dict:
    """One event as a stock row (see fold_stock)."""
    kind = EventKind(event["kind"])
    mass = event["mass_g"] or 0
    return {
        "workshop": event["workshop"],
        "category": event["category"],
        "from_workshop": event["from_workshop"],
        "from_category": event["from_category"],
        "here_g": SIGNS.get(kind, 0) * mass,
        "adjust_old_g": (event["mass_before_g"] or 0) if kind is EventKind.adjust else 0,
        "moved_g": mass if kind in (EventKind.move, EventKind.transfer) else 0,
    }


def monthly_changes(events: Iterable[dict], tz: tzinfo) -> dict[tuple[str, int, int], int]:
    """Events → the net change of stock per (month in `tz`, workshop id, category id)."""
    by_month: dict[Month, list[dict]] = defaultdict(list)
    for event in events:
        by_month[month_of(event["occurred_at"], tz)].append(stock_row(event))
    return {
        (str(month), workshop, category): grams
        for month, rows in by_month.items()
        for (workshop, category), grams in fold_stock(rows).items()
    }


def _cell(event: dict, where: str) -> tuple[int, int]:
    """The (workshop, category) a flow of `event` counts in (queries.CELLS)."""
    if where == "origin":
        return event["from_workshop"] or event["workshop"], event["category"]
    if where == "old category":
        return event["workshop"], event["from_category"] or event["category"]
    return event["workshop"], event["category"]


def monthly_flows(events: Iterable[dict], tz: tzinfo) -> dict[tuple[str, int, int], list[int]]:
    """Events → the flows of queries.KEPT (in its order) per (month in `tz`, workshop, category),
    each at the cell it counts in (what left a cell at its origin), as flow_change keeps them."""
    kept = list(queries.KEPT.values())
    flows: dict[tuple[str, int, int], list[int]] = {}
    for event in events:
        kind = EventKind(event["kind"])
        month = str(month_of(event["occurred_at"], tz))
        for i, (counted, column, where) in enumerate(kept):
            if counted is kind:
                sums = flows.setdefault((month, *_cell(event, where)), [0] * len(kept))
                sums[i] += (event[column] or 0) if column else 1
    return flows


async def opening_stock(
    month: Month, timezone: str | None = None, workshops: frozenset[int] | None = None, by_lieu: bool = False
) -> dict[Cell, int]:
    """Grams available or reserved at the start of `month` (in `timezone`, by default the
    first lieu's), per (workshop, category), or `by_lieu` per (lieu, category); with
    `workshops`, those cells at least (read from their kept months alone: the caller keeps its own)."""
    timezone = timezone or await _first_timezone()
    start = month.start(ZoneInfo(timezone))
    return fold_stock(await queries.opening_rows(timezone, str(month), start, workshops, by_lieu))


async def _first_timezone() -> str:
    row = await lieu_queries.first_lieu()
    return row["time_zone"] if row else get_settings().timezone


async def _keep_chunk(timezone: str, tz: tzinfo, chunk: int) -> int:
    """Add the next `chunk` events after the mark to the kept months, stock and flows; returns how many."""
    engine = Event._meta.db
    async with write_transaction(engine):
        if not is_sqlite(engine):
            # Ids are handed out before commit: an event with a lower id than one already
            # visible may still be on its way. This lock waits for every writer of events to
            # commit (and holds new ones back until this transaction ends), so no id is passed
            # over. It excludes itself too: two keepers take turns. Writers queue behind a
            # waiting lock, so it waits a second at most: behind a long transaction, the
            # keeper gives up and comes back at the next round.
            await queries.wait_for_event_writers()
            return await queries.keep_in_sql(timezone, chunk)
        events = await queries.next_events(timezone, chunk)
        if not events:
            return 0
        await queries.add_changes(timezone, list(monthly_changes(events, tz).items()))
        await queries.add_flows(timezone, list(monthly_flows(events, tz).items()))
        await queries.set_mark(timezone, events[-1]["id"])
        return len(events)


async def keep_stock_ahead(chunk: int = KEEP_CHUNK) -> int:
    """Add every event not yet kept to the kept months (stock and flows), a chunk per transaction, once for each
    time zone the lieux are in (each lieu's months are cut in its own); returns how many."""
    timezones = sorted({r["time_zone"] for r in await lieu_queries.time_zones()}) or [get_settings().timezone]
    if await queries.other_timezones_kept(timezones):  # a lieu changed its time zone: its months are cut anew
        async with write_transaction(Event._meta.db):
            await queries.forget_other_timezones(timezones)
    added = 0
    for timezone in timezones:
        if not (await queries.keeper_state(timezone))["pending"]:
            continue
        try:
            while count := await _keep_chunk(timezone, ZoneInfo(timezone), chunk):
                added += count
                await asyncio.sleep(0)  # let the requests waiting meanwhile go first
        except asyncpg.LockNotAvailableError:
            log.info("stock kept ahead: a long transaction writes events; the rest at the next round")
    if added:
        log.info("stock kept ahead: %s events added", added)
    return added
