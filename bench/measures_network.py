"""The network's measures (bench.network), through the functions the routes call, in-process:
"near me" fit search within 50 km (GET /api/v1/items?near=&within_km=50&fit=: listing.list_items),
one lieu's month figures (GET /api/v1/figures?lieu=: scope.lieu_scope, then service.month_figures),
the network's month (scope=network: service.network_figures), and the server's housekeeping
after a bulk import (figures.stock.keep_stock_ahead, once)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import UTC, datetime

from bench.measures import FIT_CASES
from bench.network import Network
from bench.report import Figure, percentile

NEAR_KM = 50
# The keeper's first pass after a bulk import, in bigger transactions than the server's minute by
# minute (5,000): at 10,000,000 events in 5 time zones, 36 µs an event instead of 66 (measured).
KEEP_CHUNK_AFTER_IMPORT = 50_000
ME_KM = 5  # "me": within this of a lieu of metropolitan France


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def _p95_figure(key: str, label: str, runs: list[float], target_ms: float, detail: dict) -> Figure:
    p50, p95 = percentile(runs, 50), percentile(runs, 95)
    return Figure(
        "postgres",
        key,
        f"{label} p95 (p50 {p50:.1f} ms, {len(runs)} runs)",
        p95,
        "ms",
        target=f"p95 < {target_ms:g} ms",
        met=p95 < target_ms,
        detail={"p50_ms": p50, "max_ms": max(runs), **detail},
    )


async def measure_network(network: Network, iterations: int, say: Callable[[str], None]) -> list[Figure]:
    from exchange.figures import service
    from exchange.figures.scope import lieu_scope
    from exchange.figures.stock import keep_stock_ahead
    from exchange.items import listing

    rng = random.Random(5)
    figures = [
        Figure(
            "postgres",
            "network.generate",
            f"generate {len(network.lieux)} lieux, {network.items:,} items + {network.events:,} events (COPY)",
            network.seconds,
            "s",
            target="minutes, not hours",
            met=network.seconds < 1800,
            detail={**network.steps, "transfers": network.transfers},
        )
    ]
    started = time.perf_counter()
    kept = await keep_stock_ahead(chunk=KEEP_CHUNK_AFTER_IMPORT)
    zones = len({p.time_zone for p in network.lieux})
    figures.append(
        Figure(
            "postgres",
            "network.keep",
            f"the ledger's months summed ahead ({kept:,} events in {zones} time zones, once)",
            time.perf_counter() - started,
            "s",
        )
    )
    say("network: the ledger's months summed ahead")

    # 1. "Near me": from a point near a lieu of metropolitan France, 50 km around, a fit.
    home = [p for p in network.lieux if p.time_zone == "Europe/Paris"] or network.lieux

    def me() -> str:
        p = rng.choice(home)
        return (
            f"{p.latitude + rng.uniform(-ME_KM, ME_KM) / 111.2:.5f},{p.longitude + rng.uniform(-ME_KM, ME_KM) / 78:.5f}"
        )

    cases = [(me(), FIT_CASES[n % len(FIT_CASES)]) for n in range(max(iterations, 1))]
    for near, fit in cases[:10]:  # warm-up
        await listing.list_items(listing.ItemFilters(near=near, within_km=NEAR_KM, fit=fit), None)
    runs, rows = [], []
    for near, fit in cases:
        started = time.perf_counter()
        page = await listing.list_items(listing.ItemFilters(near=near, within_km=NEAR_KM, fit=fit), None)
        runs.append(_ms(started))
        rows.append(len(page.items))
    figures.append(
        _p95_figure(
            "network.near_fit",
            f'"near me" fit search within {NEAR_KM} km (50 rows)',
            runs,
            50,
            {"rows_p50": percentile(rows, 50), "empty_pages": rows.count(0)},
        )
    )
    say("network: near-me fit searches measured")

    # 2. One lieu's month, as GET /api/v1/figures?month=&lieu= reads it.
    async def lieu_month(slug: str):
        return await service.month_figures(network.month, lieu=await lieu_scope(slug))

    slugs = [p.slug for p in network.lieux]
    await lieu_month(slugs[0])
    runs = []
    for _ in range(max(20, iterations // 4)):
        started = time.perf_counter()
        await lieu_month(rng.choice(slugs))
        runs.append(_ms(started))
    figures.append(_p95_figure("network.lieu_month", f"one lieu's month figures ({network.month})", runs, 100, {}))
    say("network: one lieu's month measured")

    # 3. The network's month (scope=network), and its check: this month's closing stock, summed
    # over every lieu in its own time zone, is what the items on the shelves weigh.
    out = await service.network_figures(network.month)
    runs = []
    for _ in range(5):
        started = time.perf_counter()
        out = await service.network_figures(network.month)
        runs.append(_ms(started))
    this_month = datetime.now(UTC).strftime("%Y-%m")
    now = await service.network_figures(this_month)
    check = {
        "month_reused_kg": float(out.reused_kg),
        "sum_of_lieux_reused_kg": sum(float(lieu.reused_kg) for lieu in out.by_lieu),
        "stock_kg_now": float(now.stock_kg),
        "items_stock_kg": network.stock_g / 1000,
    }
    p95 = percentile(runs, 95)
    figures.append(
        Figure(
            "postgres",
            "network.month",
            f"the network's month figures, {len(network.lieux)} lieux (p50 {percentile(runs, 50):.0f} ms)",
            p95,
            "ms",
            target="< 1000 ms",
            met=p95 < 1000,
            detail={"runs_ms": runs, "check": check},
        )
    )
    say(f"network: the network's month measured ({check})")
    return figures
