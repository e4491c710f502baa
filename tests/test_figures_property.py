"""Random histories, on both engines: the mass balance holds for every month and every
workshop, the categories add up to the lieu, the workshops too, each month opens with the
last one's closing stock, and the final stock is today's available and reserved items."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec
import pytest
from conftest import reset_ledger
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_figures_support import PARIS, History, g, last_day_2330

from exchange.figures import service, stock
from exchange.figures.arithmetic import month_of, months_between
from exchange.ledger.rules import LedgerError
from exchange.tables import Item

pytestmark = pytest.mark.stock_sqlite_too  # also on Piccolo's stock SQLite engine (conftest)

START = datetime(2025, 2, 20, 12, 0, tzinfo=UTC)  # the weeks before and after the March change
MASS_FIELDS = (
    "intake_kg",
    "reused_kg",
    "recycled_kg",
    "discarded_kg",
    "loss_kg",
    "adjusted_kg",
    "opening_stock_kg",
    "stock_kg",
    "waste_avoided_kg",
    "diverted_kg",
)
OPS = ("intake", "intake", "intake", "move", "use", "recycle", "discard", "split", "adjust", "month_end", "keep")
CATEGORIES = ("plywood", "steel", "softwood", "cardboard")  # plywood by its size, cardboard unweighed

op = st.tuples(
    st.sampled_from(OPS),
    st.integers(0, 10_000),  # which item
    st.integers(1, 60_000),  # a mass in grams, or a length
    st.integers(0, 1_000),  # a second choice
    st.integers(1, 10 * 24 * 60),  # minutes since the previous event
)


async def play(lieu, ops) -> tuple[datetime, datetime]:
    h = History(lieu)
    now = START
    # two items to act on from the start: a plywood panel by its size, a weighed steel bar
    live: dict[str, dict] = {
        await h.intake(now, category="plywood", workshop="bois", dims=(1200, 600, 18)): {"dims": True},
        await h.intake(now, category="steel", workshop="metal", mass_kg=12.5): {"dims": False},
    }
    for kind, pick, amount, choice, minutes in ops:
        now += timedelta(minutes=minutes)
        if kind == "month_end":
            end = last_day_2330(now)
            now = max(now, end)
            kind = "intake"
        if kind == "keep":  # the server's keeper passing by, in chunks of any size
            await stock.keep_stock_ahead(chunk=1 + amount % 7)
            continue
        codes = list(live)  # in the order they came: the same picks on any engine
        code = codes[pick % len(codes)] if codes else None
        try:
            if kind == "intake":
                category = CATEGORIES[choice % len(CATEGORIES)]
                workshop = ("bois", "metal")[pick % 2]
                if category == "plywood":
                    new = await h.intake(
                        now, category=category, workshop=workshop, dims=(100 + amount % 2400, 100 + choice, 18)
                    )
                elif category == "cardboard":
                    new = await h.intake(now, category=category, workshop=workshop)  # no mass yet
                else:
                    new = await h.intake(now, category=category, workshop=workshop, mass_kg=amount / 1000)
                live[new] = {"dims": category == "plywood"}
            elif code is None:
                continue
            elif kind == "move":
                item = await Item.select(Item.workshop.slug).where(Item.code == code).first()
                await h.act("move", code, now, workshop="metal" if item["workshop.slug"] == "bois" else "bois")
            elif kind in ("use", "recycle", "discard"):
                await h.act(kind, code, now)
                del live[code]
            elif kind == "adjust":
                changes = {}
                if choice % 3 != 1:
                    changes["mass_kg"] = amount / 1000
                if choice % 3 != 0:
                    changes["category"] = CATEGORIES[choice % len(CATEGORIES)]
                await h.act("adjust", code, now, note="correction", **changes)
            elif kind == "split":
                row = await Item.select(Item.mass_g, Item.length_mm, Item.width_mm).where(Item.code == code).first()
                if row["mass_g"] is None or row["mass_g"] < 8:
                    continue
                if live[code]["dims"] and row["length_mm"]:
                    pieces = [  # by volume: the parent's own density
                        {"length_mm": max(1, row["length_mm"] // 2), "width_mm": row["width_mm"], "thickness_mm": 18},
                        {"length_mm": max(1, row["length_mm"] // 3), "width_mm": row["width_mm"], "thickness_mm": 18},
                    ]
                else:  # weighed pieces
                    pieces = [
                        {"length_mm": 100, "width_mm": 100, "thickness_mm": 10, "mass_kg": (row["mass_g"] // 2) / 1000},
                        {"length_mm": 100, "width_mm": 100, "thickness_mm": 10, "mass_kg": (row["mass_g"] // 4) / 1000},
                    ]
                for piece in await h.split(code, now, pieces):
                    live[piece] = {"dims": live[code]["dims"]}
                del live[code]
        except LedgerError:
            continue  # a refused action writes nothing
    return START, now


def assert_balance(f, where: str) -> None:
    left = g(f.opening_stock_kg) + g(f.intake_kg) + g(f.adjusted_kg) + g(f.moved_in_kg)
    right = g(f.reused_kg) + g(f.recycled_kg) + g(f.discarded_kg) + g(f.loss_kg) + g(f.moved_out_kg) + g(f.stock_kg)
    assert left == right, f"mass balance off by {left - right} g in {where}"


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=False,
)
@given(ops=st.lists(op, min_size=4, max_size=40))
async def test_random_histories_balance(lieu, ops):
    await reset_ledger(lieu)
    first, last = await play(lieu, ops)
    months = months_between(month_of(first, PARIS), month_of(last, PARIS).next())
    previous_closing = 0
    seen = []
    for month in months:
        f = await service.month_figures(str(month))
        seen.append(msgspec.to_builtins(f))
        assert_balance(f, f"{month} for the lieu")
        assert g(f.opening_stock_kg) == previous_closing, f"{month} does not open with the last closing"
        previous_closing = g(f.stock_kg)
        assert f.moved_in_kg == f.moved_out_kg  # moves change no lieu total
        for w in f.by_workshop:
            assert_balance(w, f"{month} for {w.workshop}")
        for name in MASS_FIELDS + ("moved_in_kg", "moved_out_kg"):
            assert sum(g(getattr(w, name)) for w in f.by_workshop) == g(getattr(f, name)), (month, name, "workshops")
        for name in MASS_FIELDS:
            assert sum(g(getattr(c, name)) for c in f.by_category) == g(getattr(f, name)), (month, name, "categories")
        for c in f.by_category:
            assert_balance(c, f"{month} for {c.category}")
        assert sum(c.items_reused for c in f.by_category) == f.items_reused
        # CO2e: each block rounded to the gram, so the sum may differ by half a gram per block
        assert (
            abs(sum(c.co2e_avoided_kg for c in f.by_category) - f.co2e_avoided_kg) <= 0.0005 * len(f.by_category) + 1e-9
        )
    today = await Item.select(Item.mass_g).where(Item.status.is_in(["available", "reserved"]))
    assert previous_closing == sum(r["mass_g"] or 0 for r in today)
    await stock.keep_stock_ahead()  # every month kept: the same figures
    assert [msgspec.to_builtins(await service.month_figures(str(month))) for month in months] == seen
