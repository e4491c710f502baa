"""Both engines give the same figures for the same history."""

from __future__ import annotations

import random

import msgspec
import pytest
from conftest import STOCK_SQLITE, _setup, reset_ledger
from test_figures_property import OPS, play

from exchange import db
from exchange.figures import rows, service


def fixed_history(seed: int = 20250402, size: int = 60) -> list[tuple]:
    """A long mixed history over February to June 2025 (the March change included)."""
    rng = random.Random(seed)
    return [
        (
            rng.choice(OPS),
            rng.randrange(10_000),
            rng.randrange(1, 60_000),
            rng.randrange(1_000),
            rng.randrange(1, 4 * 24 * 60),
        )
        for _ in range(size)
    ]


async def everything(lieu, ops) -> dict:
    await reset_ledger(lieu)
    await play(lieu, ops)
    result = {}
    for month in ("2025-02", "2025-03", "2025-04", "2025-05", "2025-06"):
        figures = msgspec.to_builtins(await service.month_figures(month))
        figures["factor_set"].pop("created_at")
        result[month] = figures
        bois = msgspec.to_builtins(await service.month_figures(month, workshop="bois", category="plywood"))
        bois["factor_set"].pop("created_at")
        result[f"{month} bois plywood"] = bois
    result["csv"] = await rows.figures_csv("2025-01", "2025-07")
    trend = msgspec.to_builtins(await service.trend(12, "2025-07"))
    trend["factor_set"].pop("created_at")
    result["trend"] = trend
    return result


async def test_sqlite_and_postgres_agree(lieu):
    """Runs in the postgres pass of `lieu`, and replays the same history on SQLite, on the
    fast path and on Piccolo's stock engine."""
    if lieu.name != "postgres":
        pytest.skip("compared in the postgres pass")
    ops = fixed_history()
    on_postgres = await everything(lieu, ops)
    try:
        on_sqlite = await everything(await _setup("sqlite"), ops)
        on_stock_sqlite = await everything(await _setup(STOCK_SQLITE), ops)
    finally:
        db.use_engine(lieu.engine)
    assert on_postgres["2025-03"]["reused_kg"] > 0 and on_postgres["2025-03"]["by_workshop"]
    assert on_sqlite == on_postgres
    assert on_stock_sqlite == on_postgres
