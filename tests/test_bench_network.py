"""The network bench's generator (bench.network, `make bench`) writes a ledger the app can stand
behind: a small network (5 lieux, one in La Réunion; 2,000 items, 20,000 events) in a database
of its own on each engine (COPY on PostgreSQL, executemany on SQLite). Each item's row is what
its events left; transfers go to a lieu nearby, moves stay in the lieu; a split's pieces and loss
are its mass; the network's month is the sum of each lieu's month as the app computes it for
that lieu alone; and this month's stock over the network is what the items on the shelves weigh."""

from __future__ import annotations

import tempfile
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from engines import create_pg_database, drop_pg_database

from bench.network import TRANSFER_KM, build_network
from exchange import db
from exchange.figures import service
from exchange.figures.scope import lieu_scope
from exchange.figures.stock import keep_stock_ahead
from exchange.ledger.geo import great_circle_km
from exchange.tables import Event, Item, Lieu, Workshop

FINAL = {"use": "used", "recycle": "recycled", "discard": "discarded", "split": "split"}


@pytest.fixture
async def network(lieu):
    """A small network generated in a database of its own, on the fixture's engine."""
    if lieu.name == "sqlite":
        url = f"sqlite:///{tempfile.mkdtemp(prefix='exchange-network-')}/network.db"
    else:
        url = await create_pg_database()
    engine = db.engine_from_url(url)
    try:
        built = await build_network(engine, url, 5, 2_000, 20_000, chunk_items=800)
        await db.start(engine)
        yield built
    finally:
        await db.stop(engine)
        db.use_engine(lieu.engine)
        if lieu.name == "postgres":
            await drop_pg_database(url)


async def test_items_are_what_their_events_left(network):
    assert (network.items, network.events) == (2_000, 20_000)
    assert network.transfers > 0
    lieux = {r["id"]: r for r in await Lieu.select()}
    assert {r["time_zone"] for r in lieux.values()} == {"Europe/Paris", "Indian/Reunion"}
    lieu_of = {r["id"]: r["lieu"] for r in await Workshop.select(Workshop.id, Workshop.lieu)}
    items = {r["id"]: r for r in await Item.select()}
    events = defaultdict(list)
    for e in await Event.select().order_by(Event.id):
        events[e["item"]].append(e)
    assert len(items) == 2_000 and sum(len(v) for v in events.values()) == 20_000
    pieces = defaultdict(int)
    for item in items.values():
        if item["parent"] is not None:
            pieces[item["parent"]] += item["mass_g"]
    for item_id, item in items.items():
        story = events[item_id]
        assert story[0]["kind"] == ("intake" if item["parent"] is None else "piece")
        assert all(a["occurred_at"] <= b["occurred_at"] for a, b in zip(story, story[1:]))
        assert all(e["mass_g"] == item["mass_g"] and e["category"] == item["category"] for e in story)
        assert story[-1]["workshop"] == item["workshop"] and item["version"] == len(story) - 1
        held = None
        for e in story:
            if e["kind"] == "reserve":
                held = e["member"]
            elif e["kind"] in ("release", "use"):
                held = None
            elif e["kind"] in ("move", "transfer"):
                a, b = lieux[lieu_of[e["from_workshop"]]], lieux[lieu_of[e["workshop"]]]
                if e["kind"] == "move":
                    assert a["id"] == b["id"]
                else:
                    assert a["id"] != b["id"]
                    assert great_circle_km(a["latitude"], a["longitude"], b["latitude"], b["longitude"]) <= TRANSFER_KM
        status = FINAL.get(story[-1]["kind"], "reserved" if held else "available")
        assert (item["status"], item["reserved_by"]) == (status, held)
        if status == "split":
            assert pieces[item_id] + story[-1]["loss_g"] == item["mass_g"]


async def test_the_network_month_is_the_sum_of_its_lieux_months(network):
    await keep_stock_ahead()
    out = await service.network_figures(network.month)
    assert [f.lieu for f in out.by_lieu] == [p.slug for p in network.lieux]
    names = list(service.figure_fields(service.Sums()))
    for figures in out.by_lieu:
        alone = await service.month_figures(network.month, lieu=await lieu_scope(figures.lieu))
        assert {n: getattr(figures, n) for n in names} == {n: getattr(alone, n) for n in names}, figures.lieu
        left = alone.opening_stock_kg + alone.intake_kg + alone.adjusted_kg + alone.transferred_in_kg
        right = (
            alone.reused_kg + alone.recycled_kg + alone.discarded_kg + alone.loss_kg + alone.transferred_out_kg
        ) + alone.stock_kg
        assert abs(Decimal(str(left)) - Decimal(str(right))) < Decimal("0.001"), figures.lieu
    for name in ("intake_kg", "reused_kg", "stock_kg", "opening_stock_kg"):
        total = sum(Decimal(str(getattr(f, name))) for f in out.by_lieu)
        assert Decimal(str(getattr(out, name))) == total, name
    assert sum(f.items_reused for f in out.by_lieu) == out.items_reused
    now = await service.network_figures(datetime.now(UTC).strftime("%Y-%m"))
    assert Decimal(str(now.stock_kg)) == Decimal(network.stock_g) / 1000
