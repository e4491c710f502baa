"""`python -m bench` (`make bench`): a network of lieux on one machine, measured.

For each engine (a temp SQLite file, then a PostgreSQL database created for the run and
dropped after): generate 100,000 items and 1,000,000 events in bulk, time the list and fit
queries and one month's figures in-process against the same SQL on the engine's own driver,
then serve the app as shipped (`exchange serve`, one worker) next to a bare Litestar
hello-world and drive both from another process (wrk, or bench.loadgen): /healthz, the item
JSON and the scan page (anonymous and logged in) against the hello-world, intake with 8
clients, the server's memory.
Then a 10,000-row spreadsheet import, and the labels; with --network, a network of 300 lieux,
1,000,000 items and 10,000,000 events on PostgreSQL (bench.network). One table of figures with
targets, and the same as JSON under var/bench/.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = Path(tempfile.mkdtemp(prefix="exchange-bench-"))
# Settings for this process (the server gets the same from bench.server.bench_env).
os.environ["EXCHANGE_SECRET"] = "bench-secret-" + "x" * 40
os.environ["EXCHANGE_VAR_DIR"] = str(WORK / "var")
os.environ["EXCHANGE_MEDIA_DIR"] = str(WORK / "media")
os.environ.setdefault("EXCHANGE_BASE_URL", "http://127.0.0.1:8000")
os.environ.setdefault("EXCHANGE_TIMEZONE", "Europe/Paris")

from bench.report import Figure, table  # noqa: E402

PG_ADMIN = os.environ.get("EXCHANGE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


def machine() -> dict:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = next(
        (
            int(line.split()[1]) // 1024
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ),
        None,
    )
    wrk = shutil.which("wrk")
    wrk_version = subprocess.run([wrk, "-v"], capture_output=True, text=True).stdout.splitlines()[:1] if wrk else []
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_mb": memory,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "wrk": (wrk_version or ["(not installed: bench.loadgen)"])[0],
    }


async def _pg_version(url: str) -> str:
    import asyncpg

    c = await asyncpg.connect(url)
    try:
        return await c.fetchval("SHOW server_version")
    finally:
        await c.close()


async def _postgres_unreachable() -> str | None:
    import asyncpg

    try:
        c = await asyncpg.connect(PG_ADMIN, timeout=5)
    except (OSError, asyncpg.PostgresError, TimeoutError) as error:
        return f"{type(error).__name__}: {error}"
    await c.close()
    return None


async def _in_process(engine_name: str, url: str, args: argparse.Namespace) -> tuple:
    """Build the lieu, then the in-process measures (list, fit, month figures)."""
    from bench.lieu import build_lieu
    from bench.measures import measure_month_figures, measure_queries
    from exchange import db
    from exchange.figures.stock import keep_stock_ahead

    engine = db.engine_from_url(url)
    lieu = await build_lieu(engine, url, args.items, args.events)
    say(f"{engine_name}: {lieu.items:,} items and {lieu.events:,} events written in {lieu.seconds:.0f} s")
    await db.start(engine)
    try:
        figures = [
            Figure(
                engine_name,
                "lieu.generate",
                f"generate {lieu.items:,} items + {lieu.events:,} events",
                lieu.seconds,
                "s",
                target="minutes, not hours",
                met=lieu.seconds < 600,
            )
        ]
        # What the server's housekeeping does at its start after a bulk import or an upgrade.
        started = time.monotonic()
        kept = await keep_stock_ahead()
        figures.append(
            Figure(
                engine_name,
                "figures.keep",
                f"the ledger's months summed ahead ({kept:,} events, once)",
                time.monotonic() - started,
                "s",
            )
        )
        say(f"{engine_name}: the ledger's months summed ahead")
        figures += await measure_queries(engine_name, url, args.iterations)
        say(f"{engine_name}: list and fit queries measured")
        figures += await measure_month_figures(engine_name, url, lieu.month, args.figures_repeat)
        check = figures[-1].detail["check"]
        say(f"{engine_name}: month figures measured (stock {check['stock_kg']} kg, raw {check['raw_stock_kg']} kg)")
        from bench.measures_imports import measure_import

        figures += await measure_import(engine_name)
        say(f"{engine_name}: a 10,000-row spreadsheet import measured")
        labels = []
        if args.labels:
            from bench.measures_labels import measure_labels

            labels = await measure_labels(engine_name, lieu)
            say(f"{engine_name}: labels measured")
    finally:
        await db.stop(engine)
    return lieu, figures + labels


def run_engine(engine_name: str, url: str, args: argparse.Namespace) -> list[Figure]:
    from bench.floor import measure_floor
    from bench.measures import measure_intake, measure_memory
    from bench.server import hello_world, serve

    lieu, figures = asyncio.run(_in_process(engine_name, url, args))
    with hello_world(WORK) as hello, serve(url, WORK, engine_name) as server:
        say(
            f"{engine_name}: serving on {server.base} (exchange serve, 1 worker, pid {server.pid}), hello-world on {hello.base}"
        )
        figures += measure_floor(engine_name, server, hello, lieu, args.seconds, args.rounds)
        say(f"{engine_name}: hello-world, /healthz, item JSON and scan pages (anonymous, member) measured")
        figures += measure_intake(engine_name, server, lieu, url, args.seconds)
        say(f"{engine_name}: intake measured")
        figures += measure_memory(engine_name, server)
        if engine_name == "sqlite":  # photos touch no database: measured once
            from bench.photo_memory import measure_photo_memory

            figures += measure_photo_memory(engine_name, server, lieu)
            say(f"{engine_name}: photo memory measured")
    return figures


def run_network(args: argparse.Namespace, skipped: list[str]) -> list[Figure]:
    """bench.network in a PostgreSQL database created for it and dropped after."""
    from bench.bench_figures import create_pg, drop_pg
    from bench.network import run

    why = asyncio.run(_postgres_unreachable())
    if why:
        skipped.append(f"network ({why})")
        return []
    sizes = argparse.Namespace(
        lieux=args.network_lieux, items=args.network_items, events=args.network_events, iterations=200
    )
    url = asyncio.run(create_pg(PG_ADMIN))
    try:
        return asyncio.run(run(url, sizes))
    finally:
        asyncio.run(drop_pg(PG_ADMIN, url))


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=5, help="each HTTP load, after a 1 s warm-up")
    parser.add_argument("--rounds", type=int, default=3, help="turns of hello-world and each route (median)")
    parser.add_argument("--iterations", type=int, default=300, help="list and fit queries timed")
    parser.add_argument("--figures-repeat", type=int, default=7)
    parser.add_argument("--no-labels", dest="labels", action="store_false")
    parser.add_argument(
        "--network",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="then a network of lieux on PostgreSQL (bench.network; about 20 minutes at its full size on 2 idle cores, 50 on busy ones)",
    )
    parser.add_argument("--network-lieux", type=int, default=300)
    parser.add_argument("--network-items", type=int, default=1_000_000)
    parser.add_argument("--network-events", type=int, default=10_000_000)
    parser.add_argument("--tag", default="", help="a word saved with the results (e.g. before, after)")
    parser.add_argument("--out", default=str(ROOT / "var" / "bench"))
    args = parser.parse_args()
    started = time.monotonic()
    info = {
        "machine": machine(),
        "started": datetime.now(UTC).isoformat(),
        "tag": args.tag,
        "load_average_at_start": os.getloadavg(),
        "args": vars(args),
    }
    say(f"machine: {info['machine']['cpu']}, {info['machine']['cores']} cores; load average {os.getloadavg()}")
    busy = os.getloadavg()[0]
    if busy > 1.0:
        say(f"note: the machine is already busy (load {busy:.1f}): figures will be lower than on an idle machine")
    figures: list[Figure] = []
    skipped: list[str] = []
    labels_done = False
    for engine_name in filter(None, args.engines.split(",")):
        engine_args = argparse.Namespace(**{**vars(args), "labels": args.labels and not labels_done})
        if engine_name == "sqlite":
            url = f"sqlite:///{WORK / 'bench.db'}"
            try:
                figures += run_engine(engine_name, url, engine_args)
            finally:
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{WORK / 'bench.db'}{suffix}").unlink(missing_ok=True)
        elif engine_name == "postgres":
            from bench.bench_figures import create_pg, drop_pg

            why = asyncio.run(_postgres_unreachable())
            if why:
                skipped.append(f"postgres ({why})")
                say(f"PostgreSQL is not reachable at {PG_ADMIN}: skipped ({why})")
                continue
            url = asyncio.run(create_pg(PG_ADMIN))
            try:
                info["machine"]["postgresql"] = asyncio.run(_pg_version(url))
                figures += run_engine(engine_name, url, engine_args)
            finally:
                asyncio.run(drop_pg(PG_ADMIN, url))
        else:
            parser.error(f"unknown engine {engine_name!r}")
        labels_done = True
    if args.network:
        figures += run_network(args, skipped)
    info["seconds"] = time.monotonic() - started
    info["skipped"] = skipped
    print()
    print(table(figures))
    missed = [f for f in figures if f.met is False]
    print()
    print(
        f"{sum(f.met is True for f in figures)} targets met, {len(missed)} missed"
        + (f"; skipped: {', '.join(skipped)}" if skipped else "")
        + f"; {info['seconds'] / 60:.1f} minutes."
    )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    payload = {**info, "figures": [f.as_dict() for f in figures], "table": table(figures)}
    for path in (out / f"bench-{stamp}{'-' + args.tag if args.tag else ''}.json", out / "latest.json"):
        path.write_text(json.dumps(payload, indent=2, default=str), encoding="utf-8")
    print(f"saved: {out / f'bench-{stamp}'}*.json and {out / 'latest.json'}")
    shutil.rmtree(WORK, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
