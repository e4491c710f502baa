"""The app against its framework: requests per second under `exchange serve` (one worker) as a
fraction of a bare Litestar hello-world measured in the same run, in turns.

`python -m bench.floor` runs this part alone on a small lieu (a minute or two), for measuring
each middleware change before and after; `make bench` runs it on the full lieu.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.lieu import Lieu
from bench.load import drive
from bench.report import Figure, table
from bench.server import Server

# wrk -t1 -c32: what issue 11 measured with.
CONNECTIONS = 32


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    target: float | None  # the least ratio to the hello-world; None for the floor itself


ROWS = (
    Row("hello", "bare Litestar hello-world (framework floor)", None),
    Row("healthz", "GET /healthz", 0.8),
    Row("item_json", "GET /api/v1/items/{code}", 0.5),
    Row("scan_page", "GET /i/{code} (scan page, anonymous)", 0.35),
    Row("scan_member", "GET /i/{code} (scan page, logged-in member)", 0.25),
)


def _loads(app: Server, hello: Server, lieu: Lieu) -> dict[str, tuple[str, list[str], dict[str, str]]]:
    codes = lieu.codes
    member = {"Cookie": f"exchange_session={lieu.people.member_token}"}
    return {
        "hello": (hello.base, ["/"], {}),
        "healthz": (app.base, ["/healthz"], {}),
        "item_json": (app.base, [f"/api/v1/items/{c}" for c in codes], {}),
        "scan_page": (app.base, [f"/i/{c}" for c in codes], {}),
        "scan_member": (app.base, [f"/i/{c}" for c in codes], member),
    }


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (/proc/PID/stat), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure_floor(engine: str, app: Server, hello: Server, lieu: Lieu, seconds: float, rounds: int) -> list[Figure]:
    """Each round drives the hello-world, then a route of the app, then the hello-world again,
    and so on (each load `seconds` after a 1 s warm-up): a route's ratio in a round is against
    the mean of the hello-world runs just before and just after it, and its figure is the
    median over the rounds (other work on this shared machine slows single runs down)."""
    loads = _loads(app, hello, lieu)

    def run(key: str) -> dict:
        base, paths, headers = loads[key]
        server = hello if key == "hello" else app
        drive(base, paths, connections=CONNECTIONS, seconds=1, warmup=0, headers=headers)
        cpu_before = cpu_seconds(server.pid)
        result = drive(base, paths, connections=CONNECTIONS, seconds=seconds, warmup=0, headers=headers)
        result["cpu_us"] = (cpu_seconds(server.pid) - cpu_before) / max(1, result["requests"]) * 1e6
        return result

    runs: dict[str, list[dict]] = {row.key: [] for row in ROWS}
    ratios: dict[str, list[float]] = {row.key: [] for row in ROWS}
    cpu_ratios: dict[str, list[float]] = {row.key: [] for row in ROWS}
    for _ in range(rounds):
        before = run("hello")
        runs["hello"].append(before)
        for row in ROWS[1:]:
            measured = run(row.key)
            after = run("hello")
            runs[row.key].append(measured)
            runs["hello"].append(after)
            ratios[row.key].append(measured["rps"] / ((before["rps"] + after["rps"]) / 2))
            cpu_ratios[row.key].append(((before["cpu_us"] + after["cpu_us"]) / 2) / measured["cpu_us"])
            before = after
    hello_rps = statistics.median(r["rps"] for r in runs["hello"])
    figures = []
    for row in ROWS:
        rs = runs[row.key]
        rps = statistics.median(r["rps"] for r in rs)
        errors = sum(r["non_2xx"] + sum(r["errors"].values()) for r in rs)
        detail = {
            "rps_per_round": [r["rps"] for r in rs],
            "p50_ms": statistics.median(r["p50_ms"] for r in rs),
            "p99_ms": statistics.median(r["p99_ms"] for r in rs),
            "errors": errors,
            "cpu_us_per_request": statistics.median(r["cpu_us"] for r in rs),
            "connections": CONNECTIONS,
            "tool": rs[0]["tool"],
        }
        if row.target is None:
            figures.append(Figure(engine, f"http.{row.key}.rps", row.label, rps, "req/s", detail=detail))
            continue
        ratio = statistics.median(ratios[row.key])
        detail["ratio_per_round"] = ratios[row.key]
        detail["cpu_ratio"] = statistics.median(cpu_ratios[row.key])
        detail["cpu_ratio_per_round"] = cpu_ratios[row.key]
        figures.append(
            Figure(
                engine,
                f"http.{row.key}.rps",
                f"{row.label} (p50 {detail['p50_ms']:.1f} ms)",
                rps,
                "req/s",
                "hello-world",
                hello_rps,
                ratio,
                f">= {row.target} x hello",
                ratio >= row.target and errors == 0,
                detail=detail,
            )
        )
    return figures


async def _build(url: str, items: int, events: int):
    """The lieu, its engine stopped after: the fast SQLite engine's reader thread left open kept
    this process alive after its table was printed (a run seemed to take 25 minutes)."""
    from bench.lieu import build_lieu
    from exchange import db

    engine = db.engine_from_url(url)
    try:
        return await build_lieu(engine, url, items, events)
    finally:
        await db.stop(engine)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.floor", description=__doc__)
    parser.add_argument("--engine", default="sqlite", choices=["sqlite", "postgres"])
    parser.add_argument("--items", type=int, default=3_000)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--serve-arg", action="append", default=[], help="passed on to `exchange serve`")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="exchange-floor-"))
    os.environ["EXCHANGE_SECRET"] = "bench-secret-" + "x" * 40
    os.environ["EXCHANGE_VAR_DIR"] = str(work / "var")
    os.environ["EXCHANGE_MEDIA_DIR"] = str(work / "media")

    from bench.server import hello_world, serve

    pg = None
    if args.engine == "sqlite":
        url = f"sqlite:///{work / 'floor.db'}"
    else:
        from bench.bench_figures import create_pg, drop_pg

        pg = os.environ.get("EXCHANGE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
        url = asyncio.run(create_pg(pg))
    try:
        lieu = asyncio.run(_build(url, args.items, args.events))
        print(f"load average {os.getloadavg()[0]:.1f}; {lieu.items:,} items", file=sys.stderr, flush=True)
        started = time.monotonic()
        with hello_world(work) as hello, serve(url, work, args.engine, *args.serve_arg) as app:
            figures = measure_floor(args.engine, app, hello, lieu, args.seconds, args.rounds)
        print(table(figures))
        for f in figures:
            line = f"  {f.key}: req/s {[round(x) for x in f.detail['rps_per_round']]}"
            line += f", server CPU {f.detail['cpu_us_per_request']:.0f} us/request"
            if f.ratio:
                line += f"; ratios {[round(x, 2) for x in f.detail['ratio_per_round']]}"
                line += (
                    f"; CPU ratio {f.detail['cpu_ratio']:.2f} {[round(x, 2) for x in f.detail['cpu_ratio_per_round']]}"
                )
            print(line)
        print(f"load average {os.getloadavg()[0]:.1f}; {time.monotonic() - started:.0f} s")
    finally:
        if pg:
            asyncio.run(drop_pg(pg, url))
    return 0


if __name__ == "__main__":
    sys.exit(main())
