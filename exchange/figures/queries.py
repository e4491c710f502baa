"""The figures' SQL: the flows of a run of months from the kept months and the events not kept
yet (or in one grouped scan of the ledger), the stock as of a month's start from the kept
months, the statements of the keeper of both (figures/stock.py), and the factor sets. All of it
through `Table.raw` with `{}` for each value.

Over 400 lines: the flows, the stock and their keeper are written from the same declarations
(FLOWS, KEPT, _MARK, _AFTER_MARK), which one module keeps side by side, and the area's SQL stays
in its queries.py (tests/test_sql_seam.py)."""

from __future__ import annotations

from datetime import datetime

from exchange.db import is_sqlite
from exchange.figures.arithmetic import SIGNS
from exchange.ledger.rules import EventKind
from exchange.tables import Event, Factor, FactorSet, StockChange

# The flows summed per group of events: the kind counted and the column it adds (None: one per
# event). flow_change keeps them ahead per month, at the cells they count in (KEPT below).
FLOWS = {
    "intake_g": (EventKind.intake, "mass_g"),
    "piece_g": (EventKind.piece, "mass_g"),
    "reused_g": (EventKind.use, "mass_g"),
    "items_reused": (EventKind.use, None),
    "recycled_g": (EventKind.recycle, "mass_g"),
    "discarded_g": (EventKind.discard, "mass_g"),
    "split_g": (EventKind.split, "mass_g"),
    "loss_g": (EventKind.split, "loss_g"),
    "adjust_new_g": (EventKind.adjust, "mass_g"),
    "adjust_old_g": (EventKind.adjust, "mass_before_g"),
    "moved_g": (EventKind.move, "mass_g"),
    "transferred_g": (EventKind.transfer, "mass_g"),
}
# Reserve and release move no mass: they are left out of the scan.
_KINDS = tuple(dict.fromkeys(kind for kind, _ in FLOWS.values()))
_KIND_LIST = ", ".join(f"'{k.value}'" for k in _KINDS)


def _sum_when(kind: EventKind, column: str | None) -> str:
    return f"SUM(CASE WHEN kind = '{kind.value}' THEN {f'COALESCE({column}, 0)' if column else 1} ELSE 0 END)"


_AGGREGATES = {name: _sum_when(kind, column) for name, (kind, column) in FLOWS.items()}

# What leaves a cell (workshop, category) is summed above with the event's own cell: an adjust's
# old mass (its from_category's), a move's and a transfer's mass (their from_workshop's); fold
# takes it from there. flow_change keeps each flow at the cell it counts in instead: what came in
# (moved_in_g, transferred_in_g) and what left (adjust_out_g at the old category, moved_out_g and
# transferred_out_g at the origin), fold adding them as they are. Per time zone, month, workshop
# and category: 10,800 rows for Paris's November at 10,000,000 events, against 78,000 with
# from_workshop and from_category in the key (moves from any of 3 other workshops).
CELLS = {  # where a flow counts (in SQL; stock.monthly_flows says the same in Python)
    "here": "workshop, category",
    "old category": "workshop, COALESCE(from_category, category)",
    "origin": "COALESCE(from_workshop, workshop), category",
}
_ELSEWHERE = ("adjust_old_g", "moved_g", "transferred_g")  # FLOWS counted at two cells
KEPT = {
    **{name: (kind, column, "here") for name, (kind, column) in FLOWS.items() if name not in _ELSEWHERE},
    "moved_in_g": (EventKind.move, "mass_g", "here"),
    "transferred_in_g": (EventKind.transfer, "mass_g", "here"),
    "adjust_out_g": (EventKind.adjust, "mass_before_g", "old category"),
    "moved_out_g": (EventKind.move, "mass_g", "origin"),
    "transferred_out_g": (EventKind.transfer, "mass_g", "origin"),
}
CELL_FLOWS = tuple(name for name in KEPT if name not in FLOWS)  # the kept rows' own columns


# A network's month reads a time zone's lieux at once, their cells keyed by lieu, not workshop
# (by_lieu: some 10,000 groups instead of 100,000 at 10,000,000 events, and Python folds them):
# each workshop column is then its lieu (a workshop without one is the first lieu's).
_FIRST_LIEU = "(SELECT MIN(id) FROM lieu)"
_BY_LIEU_FROM = " JOIN workshop AS w ON w.id = {0}.workshop LEFT JOIN workshop AS fw ON fw.id = {0}.from_workshop"
_LIEU_COLUMNS = (
    f"COALESCE(w.lieu, {_FIRST_LIEU}) AS workshop,"
    f" CASE WHEN fw.id IS NULL THEN NULL ELSE COALESCE(fw.lieu, {_FIRST_LIEU}) END AS from_workshop"
)


# The last event kept for a time zone (0: none yet).
_MARK = "COALESCE((SELECT last_event FROM stock_change_mark WHERE timezone = {}), 0)"

# The events after the mark, read by their ids (the keeper runs every minute: a few hundred),
# the month's cut applied to them alone. Both bounds given, PostgreSQL estimates the range a
# half percent of the ledger (an unknown lower bound alone, a third: the plan of _PENDING's
# comment); the fence (a subquery with an OFFSET is neither flattened nor given the outer
# conditions) keeps that range of ids from being traded for the month's range of occurred_at,
# which a generic plan (asyncpg prepares: from a statement's sixth run on) can no longer see as
# large. Without it the network's opening stock took 25 ms five times, then 200 ms (a sequential
# scan of the ledger; 30 lieux, 1,000,000 events).
# (SQLite materializes the subquery: its columns are those read, not the notes and data.)
_AFTER_MARK = (
    "(SELECT kind, occurred_at, workshop, from_workshop, category, from_category, mass_g, mass_before_g, loss_g"
    " FROM event WHERE id > " + _MARK + " AND id <= (SELECT MAX(id) FROM event) FENCE) AS event"
)


def _after_mark() -> str:
    """The events after the mark (one parameter: the time zone), fenced (see _AFTER_MARK)."""
    return _AFTER_MARK.replace("FENCE", "LIMIT -1 OFFSET 0" if is_sqlite(Event._meta.db) else "OFFSET 0")


def _columns_and_from(by_lieu: bool, events: str = "event") -> tuple[str, str]:
    """The workshop columns of the events and what they are read from (see _FIRST_LIEU)."""
    if not by_lieu:
        return "workshop, from_workshop", events
    return _LIEU_COLUMNS, events + _BY_LIEU_FROM.format("event")


def _only(workshops: frozenset[int] | None) -> str:
    """The flows in or out of `workshops` (one lieu's of several; the ids are ours: written into
    the SQL), or all of them."""
    if workshops is None:
        return ""
    ids = ", ".join(str(int(w)) for w in sorted(workshops)) or "NULL"
    return f" AND (workshop IN ({ids}) OR from_workshop IN ({ids}))"


def flows_sql(bound_count: int, by_lieu: bool = False, only: str = "", after_mark: bool = False) -> str:
    """The grouped query of the flows between `bound_count` instants b0 < b1 < ... < bn
    (passed as parameters, see flows_args): bucket i (1..n) holds the events in [b(i-1), b(i)).
    With `after_mark`, the events after the mark alone (one more parameter, the time zone, before b0).

    Groups are (bucket, workshop, from_workshop, category, from_category): from_workshop
    is set by moves only and from_category by adjusts only, so there are few groups
    whatever the number of events. A range scan on occurred_at. The columns of CELL_FLOWS are
    zero: kept_flows_sql's first half has them."""
    whens = " ".join(f"WHEN occurred_at < {{}} THEN {i}" for i in range(1, bound_count - 1))
    bucket = f"CASE {whens} ELSE {bound_count - 1} END" if whens else str(bound_count - 1)
    sums = ",\n  ".join(
        [*(f"{sql} AS {name}" for name, sql in _AGGREGATES.items()), *(f"0 AS {n}" for n in CELL_FLOWS)]
    )
    workshops, source = _columns_and_from(by_lieu, _after_mark() if after_mark else "event")
    return (
        "SELECT bucket, workshop, from_workshop, category, from_category,\n  "
        + sums
        + "\nFROM (SELECT "
        + bucket
        + f" AS bucket, kind, {workshops}, category, from_category, mass_g, mass_before_g, loss_g"
        + f" FROM {source} WHERE kind IN ({_KIND_LIST}){only} AND occurred_at >= {{}} AND occurred_at < {{}}"
        + ") AS e\nGROUP BY bucket, workshop, from_workshop, category, from_category"
    )


def flows_args(bounds: list[datetime]) -> list[datetime]:
    """Parameters for flows_sql: the inner cuts b1..b(n-1), then b0 and bn."""
    return [*bounds[1:-1], bounds[0], bounds[-1]]


def kept_flows_sql(month_count: int, by_lieu: bool = False, workshops: frozenset[int] | None = None) -> str:
    """The flows of `month_count` consecutive months of a time zone: their kept rows (flow_change,
    bucket i the i-th month; moves, transfers and adjusts in CELL_FLOWS) and the events after the mark
    (flows_sql), in one statement: one snapshot of both, as opening_sql. Parameters: the months,
    the time zone, the first and last month, then flows_args with the time zone before b0."""
    bucket = "CASE month " + " ".join(f"WHEN {{}} THEN {i}" for i in range(1, month_count + 1)) + " END"
    workshop, source = "workshop", "flow_change"
    if by_lieu:
        workshop = f"COALESCE(w.lieu, {_FIRST_LIEU})"
        source = "flow_change JOIN workshop AS w ON w.id = flow_change.workshop"
    sums = ", ".join(f"0 AS {name}" if name in _ELSEWHERE else f"SUM({name}) AS {name}" for name in FLOWS)
    outs = ", ".join(f"SUM({name}) AS {name}" for name in CELL_FLOWS)
    only = ""  # every flow is kept at its own cell: the lieu's are those of its workshops
    if workshops is not None:
        only = f" AND workshop IN ({', '.join(str(int(w)) for w in sorted(workshops)) or 'NULL'})"
    return (
        f"SELECT {bucket} AS bucket, {workshop} AS workshop, NULL AS from_workshop, category, NULL AS from_category,"
        f" {sums}, {outs}\n"
        f"FROM {source} WHERE timezone = {{}} AND month >= {{}} AND month <= {{}}{only}\n"
        "GROUP BY 1, 2, 4\n"
        "UNION ALL\n" + flows_sql(month_count + 1, by_lieu, _only(workshops), after_mark=True)
    )


def _signed(column: str) -> str:
    whens = " ".join(f"WHEN '{kind.value}' THEN {sign} * COALESCE({column}, 0)" for kind, sign in SIGNS.items())
    return f"CASE kind {whens} ELSE 0 END"


def opening_sql(by_lieu: bool = False) -> str:
    """The opening stock of a month: the kept months before it, summed per cell (a network's time
    zone keeps some 300,000 rows: summed where they lie, not in Python), and the events after the
    mark that occurred before its start (a range of ids: few, the keeper runs every minute)."""
    workshops, source = _columns_and_from(by_lieu, _after_mark())
    kept_workshop, kept_from = ("workshop", "stock_change")
    if by_lieu:
        kept_workshop = f"COALESCE(w.lieu, {_FIRST_LIEU})"
        kept_from = "stock_change JOIN workshop AS w ON w.id = stock_change.workshop"
    return (
        f"SELECT {kept_workshop} AS workshop, NULL AS from_workshop, category, NULL AS from_category,"
        " SUM(net_g) AS here_g, 0 AS adjust_old_g, 0 AS moved_g\n"
        f"FROM {kept_from} WHERE timezone = {{}} AND month < {{}}\n"
        "GROUP BY 1, 3\n"
        "UNION ALL\n"
        f"SELECT {workshops}, category, from_category,\n"
        f"  SUM({_signed('mass_g')}) AS here_g,\n"
        f"  SUM(CASE WHEN kind = '{EventKind.adjust.value}' THEN COALESCE(mass_before_g, 0) ELSE 0 END) AS adjust_old_g,\n"
        f"  SUM(CASE WHEN kind IN ('{EventKind.move.value}', '{EventKind.transfer.value}')"
        " THEN COALESCE(mass_g, 0) ELSE 0 END) AS moved_g\n"
        f"FROM {source}\n"
        "WHERE occurred_at < {}\n"
        "GROUP BY 1, 2, 3, 4"
    )


_NEXT_EVENTS = (
    "SELECT id, kind, occurred_at, workshop, from_workshop, category, from_category, mass_g, mass_before_g, loss_g"
    f" FROM event WHERE id > {_MARK}"
    " ORDER BY id LIMIT {}"
)
_ADD_CHANGES = (
    "INSERT INTO stock_change (timezone, month, workshop, category, net_g) VALUES {}"
    " ON CONFLICT (timezone, month, workshop, category) DO UPDATE SET net_g = stock_change.net_g + excluded.net_g"
)
_ADD_FLOWS = (
    f"INSERT INTO flow_change (timezone, month, workshop, category, {', '.join(KEPT)}) {{}}"
    " ON CONFLICT (timezone, month, workshop, category) DO UPDATE SET "
    + ", ".join(f"{name} = flow_change.{name} + excluded.{name}" for name in KEPT)
)


def _kept_cells() -> str:
    """PostgreSQL: each event of the chunk at its cell, and once more at its origin when it has
    one (see KEPT), a column for each flow kept."""
    parts = []
    for cell in CELLS:
        values = [
            (f"CASE WHEN kind = '{kind.value}' THEN {f'COALESCE({column}, 0)' if column else 1} ELSE 0 END")
            if where == cell
            else "0"
            for kind, column, where in KEPT.values()
        ]
        kinds = ", ".join(
            f"'{k.value}'" for k in dict.fromkeys(kind for kind, _, where in KEPT.values() if where == cell)
        )
        parts.append(f"SELECT occurred_at, {CELLS[cell]}, {', '.join(values)} FROM chunk WHERE kind IN ({kinds})")
    return "\n  UNION ALL ".join(parts)


_SET_MARK = (
    "INSERT INTO stock_change_mark (timezone, last_event) VALUES ({}, {})"
    " ON CONFLICT (timezone) DO UPDATE SET last_event = excluded.last_event"
)
_ROWS_PER_INSERT = 500  # flows: 18 values a row, 9,000 a statement (SQLite takes 32,766)

# PostgreSQL: the next events after the mark added to the kept months and the mark moved, in
# one statement (the months cut in the time zone by the server, as month_of cuts them): the
# same rows as stock.monthly_changes + add_changes + set_mark, without the events' trip to
# Python (2,000 events/s there: 10,000,000 events in 5 time zones took hours; see stock.py).
# The month's flows too (stock.monthly_flows + add_flows), under the same mark: one snapshot.
_KEEP_IN_SQL = (
    "WITH chunk AS (SELECT id, kind, occurred_at, workshop, from_workshop, category, from_category, mass_g,"
    " mass_before_g, loss_g FROM event WHERE id > " + _MARK + " ORDER BY id LIMIT {}),\n"
    "cells AS (\n"
    f"  SELECT occurred_at, workshop, category, {_signed('mass_g')} AS g FROM chunk\n"
    "  UNION ALL\n"
    "  SELECT occurred_at, workshop, COALESCE(from_category, category), -COALESCE(mass_before_g, 0) FROM chunk"
    f" WHERE kind = '{EventKind.adjust.value}'\n"
    "  UNION ALL\n"
    "  SELECT occurred_at, COALESCE(from_workshop, workshop), category, -COALESCE(mass_g, 0) FROM chunk"
    f" WHERE kind IN ('{EventKind.move.value}', '{EventKind.transfer.value}')),\n"
    "changes AS (INSERT INTO stock_change (timezone, month, workshop, category, net_g)\n"
    "  SELECT {}, TO_CHAR(occurred_at AT TIME ZONE {}, 'YYYY-MM'), workshop, category, SUM(g) FROM cells"
    " GROUP BY 2, 3, 4 HAVING SUM(g) <> 0\n"
    "  ON CONFLICT (timezone, month, workshop, category) DO UPDATE SET net_g = stock_change.net_g + excluded.net_g),\n"
    "flows AS ("
    + _ADD_FLOWS.replace(
        "{}",
        "SELECT {}, TO_CHAR(occurred_at AT TIME ZONE {}, 'YYYY-MM'), workshop, category, "
        + ", ".join(f"SUM(c{i})" for i in range(len(KEPT)))
        + " FROM (\n  "
        + _kept_cells()
        + f") AS f (occurred_at, workshop, category, {', '.join(f'c{i}' for i in range(len(KEPT)))})"
        " GROUP BY 2, 3, 4\n ",
        1,
    )
    + "),\n"
    "mark AS (INSERT INTO stock_change_mark (timezone, last_event) SELECT {}, MAX(id) FROM chunk HAVING COUNT(*) > 0\n"
    "  ON CONFLICT (timezone) DO UPDATE SET last_event = excluded.last_event)\n"
    "SELECT COUNT(*) AS n FROM chunk"
)
# Whether an event was written after the mark: the newest id against it (read backward off the
# primary key). "EXISTS (... WHERE id > mark)" was planned as a sequential scan (the mark is read
# in the statement: a third of the events expected), and with none there it read the whole
# ledger: 1.1 s a time zone at 10,000,000 events, every minute.
_PENDING = (
    f"SELECT COALESCE((SELECT MAX(id) FROM event), 0) > {_MARK} AS pending,"
    " EXISTS (SELECT 1 FROM stock_change_mark WHERE timezone <> {}) AS other_timezone"
)


LOCK_WAIT_MS = 1_000  # PostgreSQL: how long the keeper waits for the writers of events


async def flow_rows(
    bounds: list[datetime], workshops: frozenset[int] | None = None, by_lieu: bool = False
) -> list[dict]:
    """The flows summed afresh from the events (see flows_sql); with `workshops` (one lieu's of
    several), only the events in or out of them; `by_lieu`, keyed by lieu."""
    return await Event.raw(flows_sql(len(bounds), by_lieu, _only(workshops)), *flows_args(bounds))


async def kept_flow_rows(
    timezone: str,
    months: list[str],
    bounds: list[datetime],
    workshops: frozenset[int] | None = None,
    by_lieu: bool = False,
) -> list[dict]:
    """The flows of consecutive `months` of `timezone` cut at `bounds` (boundaries(months, tz)),
    from the kept months and the events after the mark (see kept_flows_sql): the same rows as
    flow_rows, summed. `workshops` and `by_lieu` as there."""
    sql = kept_flows_sql(len(months), by_lieu, workshops)
    return await Event.raw(
        sql, *months, timezone, months[0], months[-1], *bounds[1:-1], timezone, bounds[0], bounds[-1]
    )


async def opening_rows(
    timezone: str, month: str, start: datetime, workshops: frozenset[int] | None = None, by_lieu: bool = False
) -> list[dict]:
    """The opening stock's rows (see opening_sql); with `workshops` (one lieu's of several),
    only their kept months (the index stock_change_workshop; the ids are ours: written into the
    SQL); `by_lieu`, keyed by lieu."""
    sql = opening_sql(by_lieu)
    if workshops is not None:
        ids = ", ".join(str(int(w)) for w in sorted(workshops)) or "NULL"
        sql = sql.replace(" AND month < {}", f" AND workshop IN ({ids}) AND month < {{}}", 1)
    return await Event.raw(sql, timezone, month, timezone, start)


async def keeper_state(timezone: str) -> dict:
    """Whether events wait to be kept, and whether months of another time zone are kept."""
    (state,) = await Event.raw(_PENDING, timezone, timezone)
    return state


async def other_timezones_kept(timezones: list[str]) -> bool:
    """Whether months are kept in a time zone none of the lieux is in (any more)."""
    kept = ", ".join("{}" for _ in timezones)
    return bool(
        await StockChange.raw(f"SELECT 1 FROM stock_change_mark WHERE timezone NOT IN ({kept}) LIMIT 1", *timezones)
    )


async def forget_other_timezones(timezones: list[str]) -> None:
    kept = ", ".join("{}" for _ in timezones)
    await StockChange.raw(f"DELETE FROM stock_change WHERE timezone NOT IN ({kept})", *timezones)
    await StockChange.raw(f"DELETE FROM flow_change WHERE timezone NOT IN ({kept})", *timezones)
    await StockChange.raw(f"DELETE FROM stock_change_mark WHERE timezone NOT IN ({kept})", *timezones)


async def wait_for_event_writers() -> None:
    """PostgreSQL: hold the writers of events back until this transaction ends, waiting at
    most LOCK_WAIT_MS for those already writing (see stock._keep_chunk)."""
    await Event.raw(f"SET LOCAL lock_timeout = '{LOCK_WAIT_MS}ms'")
    await Event.raw("LOCK TABLE event IN SHARE ROW EXCLUSIVE MODE")


async def next_events(timezone: str, chunk: int) -> list[dict]:
    return await Event.raw(_NEXT_EVENTS, timezone, chunk)


async def add_changes(timezone: str, changes: list[tuple[tuple[str, int, int], int]]) -> None:
    """Add each (month, workshop, category) net change to the kept months, 500 rows a statement."""
    for first in range(0, len(changes), _ROWS_PER_INSERT):
        batch = changes[first : first + _ROWS_PER_INSERT]
        values = ", ".join(["({}, {}, {}, {}, {})"] * len(batch))
        args = [v for (month, workshop, category), grams in batch for v in (timezone, month, workshop, category, grams)]
        await StockChange.raw(_ADD_CHANGES.replace("{}", values, 1), *args)


async def add_flows(timezone: str, flows: list[tuple[tuple[str, int, int], list[int]]]) -> None:
    """Add each (month, workshop, category)'s flows (KEPT, in its order) to the kept months
    (stock.monthly_flows), 500 rows a statement."""
    row = "(" + ", ".join(["{}"] * (4 + len(KEPT))) + ")"
    for first in range(0, len(flows), _ROWS_PER_INSERT):
        batch = flows[first : first + _ROWS_PER_INSERT]
        args = [v for key, sums in batch for v in (timezone, *key, *sums)]
        await StockChange.raw(_ADD_FLOWS.replace("{}", "VALUES " + ", ".join([row] * len(batch)), 1), *args)


async def keep_in_sql(timezone: str, chunk: int) -> int:
    """PostgreSQL: the next `chunk` events after the mark kept (see _KEEP_IN_SQL); how many."""
    (row,) = await StockChange.raw(_KEEP_IN_SQL, timezone, chunk, timezone, timezone, timezone, timezone, timezone)
    return int(row["n"])


async def set_mark(timezone: str, last_event: int) -> None:
    await StockChange.raw(_SET_MARK, timezone, last_event)


# -- factor sets (a set is never changed once written: an override inserts a new one)


async def latest_factor_set() -> dict | None:
    """The current factor set: the latest written."""
    return await FactorSet.select().order_by(FactorSet.id, ascending=False).first()


async def factor_set_named(version: str) -> dict | None:
    return await FactorSet.select().where(FactorSet.version == version).first()


async def factor_set_versions() -> set[str]:
    return {r["version"] for r in await FactorSet.select(FactorSet.version)}


async def factors_of(factor_set: int) -> list[dict]:
    """Every column of the set's factors."""
    return await Factor.select().where(Factor.factor_set == factor_set)


async def factor_values_of(factor_set: int) -> list[dict]:
    """category, kind and value of the set's factors."""
    return await Factor.select(Factor.category, Factor.kind, Factor.value).where(Factor.factor_set == factor_set)


async def factors_with_category_slug(factor_set: int) -> list[dict]:
    return await Factor.select(*Factor.all_columns(), Factor.category.slug.as_alias("category_slug")).where(
        Factor.factor_set == factor_set
    )


def _with_setter():
    return FactorSet.select(*FactorSet.all_columns(), FactorSet.set_by.name.as_alias("set_by_name"))


async def factor_sets_with_setter() -> list[dict]:
    """Every factor set with the name of who set it (set_by_name), the latest first."""
    return await _with_setter().order_by(FactorSet.id, ascending=False)


async def factor_set_with_setter(version: str | None) -> dict | None:
    """The set `version` (by default the latest) with the name of who set it."""
    query = _with_setter()
    return await (
        query.where(FactorSet.version == version) if version else query.order_by(FactorSet.id, ascending=False)
    ).first()


async def insert_factor_set(version: str, note: str, set_by: int | None = None) -> int:
    rows = await FactorSet.insert(FactorSet(version=version, note=note, set_by=set_by)).returning(FactorSet.id)
    return rows[0]["id"]


async def insert_factors(factors: list[dict]) -> None:
    """Factor rows (each a dict of Factor's columns) in one statement."""
    await Factor.insert(*[Factor(**values) for values in factors])
