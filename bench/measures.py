"""The measures, each side by side with its baseline in the same run (HTTP against the framework: bench.floor).

Over 400 lines: each measure sits next to the baseline it is read against (the same statements
replayed on the engine's own driver), and the two only make sense read together."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from bench.lieu import Lieu
from bench.load import drive
from bench.report import Figure, percentile
from bench.server import Server

# ---------------------------------------------------------------------------------------------
# 2. The available-scrap list and the fit search, against the same SQL on the engine's driver


# (category, min length, min width) and (fit, as L x W x T), chosen among what the lieu holds.
LIST_CASES = [
    ("plywood", 600, 400),
    ("mdf", 300, 200),
    ("osb", 1000, 500),
    ("softwood", 1200, 60),
    ("steel", 500, 100),
    ("glass", 400, 300),
    ("plywood", 1500, 800),
    ("hardwood", 800, 100),
]
FIT_CASES = [
    "600x400x18",
    "300x200x10",
    "1000x500x18",
    "800x600x12",
    "1200x100x22",
    "400x300x4",
    "250x250x3",
    "2000x1000x18",
]


class Statements:
    """The statements the app sends, captured where the engine receives them: each query's
    `QueryString.compile_string()` (Piccolo's public API) as `run_querystring` is called, so the
    baseline runs the very SQL text and values the app ran, not a query written again by hand."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.sent: list[tuple[str, list[Any]]] = []
        self._restore: Any = None

    def __enter__(self) -> Statements:
        # On the engine's class (its instances have __slots__), for this engine only, this block only.
        engine, kind = self.engine, type(self.engine)
        run = kind.run_querystring
        self._restore = kind.__dict__.get("run_querystring")

        async def recording(this: Any, querystring: Any, *args: Any, **kwargs: Any) -> Any:
            if this is engine:
                self.sent.append(querystring.compile_string(engine_type=engine.engine_type))
            return await run(this, querystring, *args, **kwargs)

        kind.run_querystring = recording
        return self

    def __exit__(self, *_: Any) -> None:
        kind = type(self.engine)
        if self._restore is None:
            del kind.run_querystring
        else:
            kind.run_querystring = self._restore


async def captured(engine: Any, work: Callable[[], Awaitable[Any]]) -> tuple[Any, list[tuple[str, list[Any]]]]:
    """What `work` returns, and the statements it sent."""
    with Statements(engine) as statements:
        result = await work()
    if not statements.sent:
        raise AssertionError("the app sent no statement: nothing to compare with")
    return result, statements.sent


class RawDriver:
    """The engine's own driver, no ORM: sqlite3 (in the thread, as the app reads) or asyncpg,
    running statements captured from the app (Statements) as they are.

    Both give the values typed, as the app must have them: asyncpg decodes timestamps itself,
    and sqlite3 does with the column types declared (PARSE_DECLTYPES, through the converters the
    app registers). Without it sqlite3 hands back the text of each timestamp, and a 50-row list
    of items "took" 185 µs instead of 364 µs (measured 2026-12-01): the app's side did work the
    baseline skipped."""

    def __init__(self, engine_name: str, url: str) -> None:
        self.engine = engine_name
        self.url = url
        self.connection: Any = None

    async def __aenter__(self) -> RawDriver:
        if self.engine == "sqlite":
            self.connection = sqlite3.connect(self.url.removeprefix("sqlite:///"), detect_types=sqlite3.PARSE_DECLTYPES)
        else:
            import asyncpg

            self.connection = await asyncpg.connect(self.url)
        return self

    async def __aexit__(self, *_: Any) -> None:
        if self.engine == "sqlite":
            self.connection.close()
        else:
            await self.connection.close()

    async def replay(self, statements: list[tuple[str, list[Any]]]) -> list:
        """Each statement in turn; the rows of the last."""
        rows: list = []
        for sql, args in statements:
            if self.engine == "sqlite":
                rows = self.connection.execute(sql, args).fetchall()
            else:
                rows = await self.connection.fetch(sql, *args)
        return rows


async def _timed(work: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = await work()
    return (time.perf_counter() - started) * 1000, result


def _query_figures(
    engine: str,
    key: str,
    label: str,
    app_ms: list[float],
    raw_ms: list[float],
    p95_target_ms: float | None,
    detail: dict,
) -> list[Figure]:
    p50, p95 = percentile(app_ms, 50), percentile(app_ms, 95)
    r50, r95 = percentile(raw_ms, 50), percentile(raw_ms, 95)
    ratio = p50 / r50 if r50 else None
    met_p95 = None if p95_target_ms is None else p95 < p95_target_ms
    return [
        Figure(
            engine,
            f"{key}.p95",
            f"{label} p95 (p50 {p50:.2f} ms)",
            p95,
            "ms",
            "its SQL, raw driver, p95",
            r95,
            p95 / r95 if r95 else None,
            f"p95 < {p95_target_ms:g} ms" if p95_target_ms else "",
            met_p95,
            detail={"p50_ms": p50, "raw_p50_ms": r50, **detail},
        ),
        Figure(
            engine,
            f"{key}.ratio",
            f"  {label} p50 vs its SQL on the raw driver",
            p50,
            "ms",
            "its SQL, raw driver",
            r50,
            ratio,
            "< 2 x raw",
            None if ratio is None else ratio < 2,
        ),
    ]


async def measure_queries(engine: str, url: str, iterations: int) -> list[Figure]:
    from exchange.items import listing
    from exchange.tables import Item

    results: list[Figure] = []
    async with RawDriver(engine, url) as raw:
        for key, label, cases, app in (
            (
                "list",
                "available-scrap list (category + min dims, 50 rows)",
                LIST_CASES,
                lambda c: listing.list_items(
                    listing.ItemFilters(category=c[0], min_length_mm=c[1], min_width_mm=c[2]), None
                ),
            ),
            (
                "fit",
                "fit search (L x W x T, 50 rows)",
                FIT_CASES,
                lambda c: listing.list_items(listing.ItemFilters(fit=c), None),
            ),
        ):
            sent: dict[int, list[tuple[str, list[Any]]]] = {}
            for n, case in enumerate(cases):  # warm-up, the statements of each case, and the answers agree
                page, sent[n] = await captured(Item._meta.db, lambda: app(case))
                rows = await raw.replay(sent[n])
                if len(rows) not in (len(page.items), len(page.items) + 1):
                    raise AssertionError(f"{key} {case}: the service and its own SQL disagree")
            app_ms, raw_ms = [], []
            deadline = time.monotonic() + 60
            for n in range(iterations):
                case = cases[n % len(cases)]
                app_ms.append((await _timed(lambda: app(case)))[0])
                raw_ms.append((await _timed(lambda: raw.replay(sent[n % len(cases)])))[0])
                if time.monotonic() > deadline:
                    break
            sizes = {str(c): len((await app(c)).items) for c in cases}
            results += _query_figures(
                engine,
                f"query.{key}",
                label,
                app_ms,
                raw_ms,
                20.0 if engine == "sqlite" else None,
                {
                    "iterations": len(app_ms),
                    "rows_per_case": sizes,
                    "statements_per_case": {str(c): len(sent[n]) for n, c in enumerate(cases)},
                    "sql_of_first_case": [sql for sql, _ in sent[0]],
                },
            )
    return results


# ---------------------------------------------------------------------------------------------
# 3. One month's figures at 1,000,000 events, against the same SQL on the engine's driver


async def measure_month_figures(engine: str, url: str, month: str, repeat: int) -> list[Figure]:
    """month_figures() through the service, next to the same statements it sends run on the
    engine's own driver; the raw ledger sums of bench_figures check its stock and reuse."""
    from bench.bench_figures import BASELINE_MONTH, BASELINE_STOCK
    from exchange.figures import service
    from exchange.figures.arithmetic import month_bounds
    from exchange.settings import get_settings
    from exchange.tables import Event

    start, end = month_bounds(month, get_settings().tz)
    out, sent = await captured(Event._meta.db, lambda: service.month_figures(month))  # and warm-up
    sums, stock = await Event.raw(BASELINE_MONTH, start, end), await Event.raw(BASELINE_STOCK, end)
    check = {
        "stock_kg": out.stock_kg,
        "raw_stock_kg": int(stock[0]["stock_g"] or 0) / 1000,
        "reused_kg": out.reused_kg,
        "raw_reused_kg": sum(int(r["mass_g"] or 0) for r in sums if r["kind"] == "use") / 1000,
    }
    app_ms, raw_ms = [], []
    deadline = time.monotonic() + 90
    async with RawDriver(engine, url) as raw:
        await raw.replay(sent)
        for _ in range(repeat):
            app_ms.append((await _timed(lambda: service.month_figures(month)))[0])
            raw_ms.append((await _timed(lambda: raw.replay(sent)))[0])
            if time.monotonic() > deadline:
                break
    p50, raw50 = percentile(app_ms, 50), percentile(raw_ms, 50)
    return [
        Figure(
            engine,
            "figures.month",
            f"one month's figures ({month}) p50 (max {max(app_ms):.0f} ms)",
            p50,
            "ms",
            "its SQL, raw driver",
            raw50,
            p50 / raw50 if raw50 else None,
            "< 300 ms",
            p50 < 300,
            detail={"runs_ms": app_ms, "raw_runs_ms": raw_ms, "check": check, "statements": len(sent)},
        )
    ]


# ---------------------------------------------------------------------------------------------
# 4. Intake through the API with 8 concurrent clients


INTAKE_CLIENTS = 8


def measure_intake(engine: str, server: Server, lieu: Lieu, url: str, seconds: float) -> list[Figure]:
    body = json.dumps(
        {
            "category": "plywood",
            "title": "Chute de contreplaqué (bench)",
            "workshop": lieu.workshops[0],
            "length_mm": 800,
            "width_mm": 600,
            "thickness_mm": 18,
            "condition": "bon",
        }
    )
    before = _count_items(engine, url)
    r = drive(
        server.base,
        ["/api/v1/items"],
        connections=INTAKE_CLIENTS,
        seconds=seconds,
        warmup=1,
        method="POST",
        headers={"Authorization": f"Bearer {lieu.people.steward_token}", "Content-Type": "application/json"},
        body=body,
        watch=["database is locked", "locked"],
        tool="loadgen",
    )
    created = r["statuses"].get("201", 0)
    locked = r["seen"]["locked"] + server.log_text().count("database is locked")
    after = _count_items(engine, url)
    rate = created / r["seconds"]
    baseline = raw_intake_rate(engine, url, lieu, seconds=min(seconds, 5))
    target = 500 if engine == "sqlite" else None
    return [
        Figure(
            engine,
            "intake.rate",
            f"intake, {INTAKE_CLIENTS} clients through the API (p50 {r['p50_ms']:.1f} ms)",
            rate,
            "items/s",
            "raw INSERTs, 1 client",
            baseline,
            rate / baseline if baseline else None,
            ">= 500 items/s, 0 locked" if target else "0 locked",
            (rate >= target if target else True) and locked == 0 and r["non_2xx"] == 0,
            detail={
                "statuses": r["statuses"],
                "locked": locked,
                "errors": r["errors"],
                "p50_ms": r["p50_ms"],
                "p99_ms": r["p99_ms"],
                "items_before": before,
                "items_after": after,
            },
        )
    ]


def _count_items(engine: str, url: str) -> int:
    if engine == "sqlite":
        with sqlite3.connect(url.removeprefix("sqlite:///")) as c:
            return c.execute("SELECT COUNT(*) FROM item").fetchone()[0]

    async def count() -> int:
        import asyncpg

        c = await asyncpg.connect(url)
        try:
            return await c.fetchval("SELECT COUNT(*) FROM item")
        finally:
            await c.close()

    return asyncio.run(count())


def raw_intake_rate(engine: str, url: str, lieu: Lieu, seconds: float) -> float:
    """The floor: an item and its intake event written by hand, one transaction each, one client."""
    from exchange.ledger.codes import new_code

    member = lieu.people.stewards[0].id
    item_sql = (
        "INSERT INTO item (code, category, title, length_mm, width_mm, thickness_mm, quantity, mass_g, "
        "mass_source, condition, origin, note, status, workshop, created_at, last_event_at, version) "
        "VALUES ({0}, (SELECT id FROM category WHERE slug = 'plywood'), 'raw', 800, 600, 18, 1, 5000, "
        "'estimated', '', '', '', 'available', (SELECT id FROM workshop WHERE slug = {1}), {2}, {2}, 0) "
        "RETURNING id"
    )
    event_sql = (
        "INSERT INTO event (item, kind, occurred_at, recorded_at, member, workshop, category, mass_g, note, data) "
        "SELECT id, 'intake', created_at, created_at, {0}, workshop, category, mass_g, '', '{{}}' "
        "FROM item WHERE id = {1}"
    )
    count = 0
    if engine == "sqlite":
        c = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None, timeout=30)
        try:
            deadline = time.perf_counter() + seconds
            started = time.perf_counter()
            while time.perf_counter() < deadline and count < 100_000:
                c.execute("BEGIN IMMEDIATE")
                now = str(datetime.now(UTC))
                (item_id,) = c.execute(
                    item_sql.format("?1", "?2", "?3"), [new_code(), lieu.workshops[0], now]
                ).fetchone()
                c.execute(event_sql.format("?1", "?2"), [member, item_id])
                c.execute("COMMIT")
                count += 1
            return count / (time.perf_counter() - started)
        finally:
            c.close()

    async def run() -> float:
        import asyncpg

        nonlocal count
        c = await asyncpg.connect(url)
        try:
            deadline = time.perf_counter() + seconds
            started = time.perf_counter()
            while time.perf_counter() < deadline and count < 100_000:
                async with c.transaction():
                    item_id = await c.fetchval(
                        item_sql.format("$1", "$2", "$3"), new_code(), lieu.workshops[0], datetime.now(UTC)
                    )
                    await c.execute(event_sql.format("$1", "$2"), member, item_id)
                count += 1
            return count / (time.perf_counter() - started)
        finally:
            await c.close()

    return asyncio.run(run())


# ---------------------------------------------------------------------------------------------
# 6. Memory


def measure_memory(engine: str, server: Server) -> list[Figure]:
    rss = server.rss_mb()
    return [
        Figure(
            engine, "server.rss", "server resident memory after the load", rss, "MB", target="< 150 MB", met=rss < 150
        )
    ]
