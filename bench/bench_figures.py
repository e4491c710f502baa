"""Benchmark of the figures on a generated lieu (not a test; run by hand).

    python bench/bench_figures.py [--events 1000000] [--engines sqlite,postgres] [--json PATH]
                                  [--pg-admin postgresql://postgres@127.0.0.1:5432/postgres]

Generates three years of a lieu's ledger (2023-2025: intakes, moves, reservations,
adjustments, splits with their pieces, uses, recycling, discards) by bulk insert into a
fresh SQLite file and a fresh PostgreSQL database made for the run and dropped after,
then times, through the real service functions: one month's figures, a twelve-month CSV
and a twelve-month trend, next to two raw SQL baselines (the month's sums by kind, and
the lieu's stock as of the month's end as one signed sum). Each timing is the best of
`--repeat` runs after one warm-up, once the server's keeper has summed the
ledger's months ahead (exchange.figures.stock; the time it took is printed too)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

_TMP = Path(tempfile.mkdtemp(prefix="exchange-bench-"))
os.environ.setdefault("EXCHANGE_VAR_DIR", str(_TMP / "var"))
os.environ.setdefault("EXCHANGE_SECRET", "bench-only")
os.environ.setdefault("EXCHANGE_TIMEZONE", "Europe/Paris")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asyncpg

from bench.lieu import EVENT_COLUMNS, ITEM_COLUMNS  # the same tables, bulk-written the same way
from exchange import db
from exchange.figures import queries, rows, service, stock
from exchange.figures.arithmetic import month_bounds
from exchange.lieu.service import install_shipped_categories
from exchange.settings import get_settings
from exchange.tables import Category, Event, Member, Workshop

START = datetime(2023, 1, 1, tzinfo=UTC)
END = datetime(2025, 12, 31, 22, tzinfo=UTC)
MONTH = "2025-06"
CSV_FROM, CSV_TO = "2025-01", "2025-12"


# ---------------------------------------------------------------------------------------------
# Generating the lieu


def generate(target_events: int, workshops: list[int], categories: list[int], member: int, seed: int = 7):
    """Items and events as tuples in column order; events chronological per item."""
    rng = random.Random(seed)
    items: list[tuple] = []
    events: list[tuple] = []
    span = (END - START).total_seconds()

    def event(item_id, kind, when, workshop, category, mass, **extra):
        events.append(
            (
                len(events) + 1,
                item_id,
                kind,
                when,
                when,
                member,
                workshop,
                extra.get("from_workshop"),
                category,
                extra.get("from_category"),
                mass,
                extra.get("mass_before"),
                extra.get("loss"),
                "",
                extra.get("data", "{}"),
            )
        )

    def later(when: datetime) -> datetime:
        return when + timedelta(seconds=rng.randrange(60, 30 * 86400))

    def life(item_id, when, workshop, category, mass, parent=None, depth=0):
        """The rest of an item's ledger after its first event; returns its final row fields."""
        status = "available"
        if rng.random() < 0.3 and (t := later(when)) < END:
            to = rng.choice([w for w in workshops if w != workshop])
            event(item_id, "move", t, to, category, mass, from_workshop=workshop)
            when, workshop = t, to
        if rng.random() < 0.2 and (t := later(when)) < END:
            event(item_id, "reserve", t, workshop, category, mass)
            t2 = t + timedelta(hours=rng.randrange(1, 48))
            event(item_id, "release", t2, workshop, category, mass)
            when = t2
        if rng.random() < 0.1 and (t := later(when)) < END:
            new_mass = max(1, int(mass * rng.uniform(0.8, 1.2)))
            new_category = rng.choice(categories) if rng.random() < 0.2 else category
            event(item_id, "adjust", t, workshop, new_category, new_mass, from_category=category, mass_before=mass)
            when, mass, category = t, new_mass, new_category
        ending = rng.random()
        t = later(when)
        if t < END:
            if ending < 0.40:
                event(item_id, "use", t, workshop, category, mass, data='{"project": "bench"}')
                status = "used"
            elif ending < 0.55:
                event(item_id, "recycle", t, workshop, category, mass)
                status = "recycled"
            elif ending < 0.65:
                event(item_id, "discard", t, workshop, category, mass)
                status = "discarded"
            elif ending < 0.75 and depth < 2 and mass >= 10:
                first, second = int(mass * 0.5), int(mass * 0.3)
                loss = mass - first - second
                event(item_id, "split", t, workshop, category, mass, loss=loss)
                status = "split"
                for piece_mass in (first, second):
                    piece_id = new_item(t, workshop, category, piece_mass, parent=item_id)
                    event(piece_id, "piece", t, workshop, category, piece_mass, data=f'{{"parent": {item_id}}}')
                    finish(piece_id, life(piece_id, t, workshop, category, piece_mass, item_id, depth + 1))
        return status, workshop, category, mass, when

    def new_item(when, workshop, category, mass, parent=None) -> int:
        item_id = len(items) + 1
        items.append(
            [
                item_id,
                f"B{item_id:07X}",
                category,
                "Chute",
                None,
                None,
                None,
                1,
                mass,
                "weighed",
                "",
                "",
                "",
                "available",
                workshop,
                parent,
                None,
                None,
                None,
                when,
                when,
                0,
            ]
        )
        return item_id

    def finish(item_id, outcome):
        status, workshop, category, mass, when = outcome
        row = items[item_id - 1]
        row[13], row[14], row[2], row[8], row[20] = status, workshop, category, mass, when

    while len(events) < target_events:
        when = START + timedelta(seconds=rng.random() * span)
        workshop, category = rng.choice(workshops), rng.choice(categories)
        mass = rng.randrange(200, 40_000)
        item_id = new_item(when, workshop, category, mass)
        event(item_id, "intake", when, workshop, category, mass)
        finish(item_id, life(item_id, when, workshop, category, mass))
    return [tuple(r) for r in items], events


async def seed_reference_rows() -> tuple[list[int], list[int], int]:
    await install_shipped_categories()
    await Workshop.insert(*[Workshop(slug=s, name=s.title()) for s in ("bois", "metal", "textile", "verre")])
    await Member.insert(Member(email="bench@lieu.example", name="Bench", role="steward", password_hash="x"))
    workshops = sorted(r["id"] for r in await Workshop.select(Workshop.id))
    categories = sorted(r["id"] for r in await Category.select(Category.id))
    member = (await Member.select(Member.id).first())["id"]
    return workshops, categories, member


def _sqlite_time(value):
    return str(value) if isinstance(value, datetime) else value


def load_sqlite(path: str, items, events) -> float:
    started = time.perf_counter()
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA synchronous=OFF")
    with connection:
        connection.executemany(
            f"INSERT INTO item ({', '.join(ITEM_COLUMNS)}) VALUES ({', '.join('?' * len(ITEM_COLUMNS))})",
            ([_sqlite_time(v) for v in row] for row in items),
        )
        connection.executemany(
            f"INSERT INTO event ({', '.join(EVENT_COLUMNS)}) VALUES ({', '.join('?' * len(EVENT_COLUMNS))})",
            ([_sqlite_time(v) for v in row] for row in events),
        )
    connection.execute("ANALYZE")
    connection.close()
    return time.perf_counter() - started


async def load_postgres(dsn: str, items, events) -> float:
    started = time.perf_counter()
    connection = await asyncpg.connect(dsn)
    try:
        await connection.copy_records_to_table("item", records=items, columns=ITEM_COLUMNS)
        await connection.copy_records_to_table("event", records=events, columns=EVENT_COLUMNS)
        await connection.execute("SELECT setval('item_id_seq', (SELECT MAX(id) FROM item))")
        await connection.execute("SELECT setval('event_id_seq', (SELECT MAX(id) FROM event))")
        await connection.execute("VACUUM ANALYZE")
    finally:
        await connection.close()
    return time.perf_counter() - started


# ---------------------------------------------------------------------------------------------
# Timing


BASELINE_MONTH = (
    "SELECT kind, COUNT(*) AS n, SUM(COALESCE(mass_g, 0)) AS mass_g FROM event "
    "WHERE occurred_at >= {} AND occurred_at < {} GROUP BY kind"
)
BASELINE_STOCK = (
    "SELECT SUM(CASE kind WHEN 'intake' THEN mass_g WHEN 'piece' THEN mass_g "
    "WHEN 'adjust' THEN COALESCE(mass_g, 0) - COALESCE(mass_before_g, 0) "
    "WHEN 'use' THEN -mass_g WHEN 'recycle' THEN -mass_g WHEN 'discard' THEN -mass_g WHEN 'split' THEN -mass_g "
    "ELSE 0 END) AS stock_g FROM event WHERE occurred_at < {}"
)


async def best_of(work, repeat: int) -> dict:
    await work()  # warm-up: caches, connections
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        await work()
        times.append(time.perf_counter() - started)
    return {"best_s": min(times), "median_s": statistics.median(times)}


async def time_engine(repeat: int) -> dict:
    start, end = month_bounds(MONTH, get_settings().tz)
    return {
        f"month_figures {MONTH}": await best_of(lambda: service.month_figures(MONTH), repeat),
        f"figures_csv {CSV_FROM}..{CSV_TO}": await best_of(lambda: rows.figures_csv(CSV_FROM, CSV_TO), repeat),
        f"trend 12 months to {CSV_TO}": await best_of(lambda: service.trend(12, CSV_TO), repeat),
        "baseline: month sums by kind": await best_of(lambda: Event.raw(BASELINE_MONTH, start, end), repeat),
        "baseline: lieu stock as of month end": await best_of(lambda: Event.raw(BASELINE_STOCK, end), repeat),
    }


async def explain(engine_name: str) -> str:
    """The plans of the two queries of one month's figures: the stock before it, its flows."""
    settings = get_settings()
    start, end = month_bounds(MONTH, settings.tz)
    prefix = "EXPLAIN QUERY PLAN " if engine_name == "sqlite" else "EXPLAIN "
    plans = []
    for label, sql, args in (
        ("stock as of the month's start", queries.opening_sql(), [settings.timezone, MONTH, settings.timezone, start]),
        (
            "the month's flows, kept and after the mark",
            queries.kept_flows_sql(1),
            [MONTH, settings.timezone, MONTH, MONTH, settings.timezone, start, end],
        ),
    ):
        rows = await Event.raw(prefix + sql, *args)
        lines = [r["detail"] for r in rows] if engine_name == "sqlite" else [r["QUERY PLAN"] for r in rows]
        plans.append(f"-- {label}\n" + "\n".join(lines))
    return "\n".join(plans)


async def run_engine(name: str, url: str, target_events: int, repeat: int) -> dict:
    engine = db.engine_from_url(url)
    await db.migrate(engine)
    await db.start(engine)
    try:
        db.use_engine(engine)
        workshops, categories, member = await seed_reference_rows()
        started = time.perf_counter()
        items, events = generate(target_events, workshops, categories, member)
        generated = time.perf_counter() - started
        if name == "sqlite":
            loaded = load_sqlite(engine.path, items, events)
        else:
            loaded = await load_postgres(url, items, events)
        started = time.perf_counter()
        await stock.keep_stock_ahead()
        result = {
            "events": len(events),
            "items": len(items),
            "generate_s": generated,
            "load_s": loaded,
            "keep_s": time.perf_counter() - started,
            "plan": await explain(name),
            "timings": await time_engine(repeat),
        }
        figures = await service.month_figures(MONTH)
        result["check"] = {
            "month": MONTH,
            "intake_kg": figures.intake_kg,
            "stock_kg": figures.stock_kg,
            "reused_kg": figures.reused_kg,
            "co2e_avoided_kg": figures.co2e_avoided_kg,
        }
        return result
    finally:
        await db.stop(engine)


async def create_pg(admin: str) -> str:
    name = f"exchange_bench_{uuid.uuid4().hex[:8]}"
    connection = await asyncpg.connect(admin)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return f"{admin.rpartition('/')[0]}/{name}"


async def drop_pg(admin: str, url: str) -> None:
    connection = await asyncpg.connect(admin)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{url.rpartition("/")[2]}" WITH (FORCE)')
    finally:
        await connection.close()


def table(results: dict) -> str:
    names = list(results)
    rows = [("", *names)]
    rows.append(("events", *[f"{results[n]['events']:,}" for n in names]))
    rows.append(
        ("generate + load (s)", *[f"{results[n]['generate_s']:.1f} + {results[n]['load_s']:.1f}" for n in names])
    )
    rows.append(("months kept ahead (s, once)", *[f"{results[n]['keep_s']:.1f}" for n in names]))
    for label in results[names[0]]["timings"]:
        rows.append(
            (
                label,
                *[
                    f"{results[n]['timings'][label]['best_s'] * 1000:,.0f} ms (median {results[n]['timings'][label]['median_s'] * 1000:,.0f})"
                    for n in names
                ],
            )
        )
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(r, widths)) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--pg-admin", default=os.environ.get("EXCHANGE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
    )
    parser.add_argument("--json", metavar="PATH")
    args = parser.parse_args()
    results: dict[str, dict] = {}
    for name in args.engines.split(","):
        if name == "sqlite":
            path = _TMP / "bench.db"
            try:
                results[name] = await run_engine(name, f"sqlite:///{path}", args.events, args.repeat)
            finally:
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
        elif name == "postgres":
            url = await create_pg(args.pg_admin)
            try:
                results[name] = await run_engine(name, url, args.events, args.repeat)
            finally:
                await drop_pg(args.pg_admin, url)
        else:
            parser.error(f"unknown engine {name!r}")
        print(f"{name}: {results[name]['check']}", file=sys.stderr)
    print(table(results))
    for name, result in results.items():
        print(f"\n{name} plan:\n{result['plan']}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
