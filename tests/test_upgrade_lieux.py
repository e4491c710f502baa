"""Migration m0009 takes a single-lieu installation with history forward into its first lieu,
with no loss: every figure of every month is the same before and after, on both engines. And
m0013 (the flows kept ahead) on an installation whose keeper had kept the stock: the kept
months are summed again, stock and flows under one mark, every figure the same throughout."""

from __future__ import annotations

import importlib
import tempfile
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from engines import create_pg_database, drop_pg_database
from piccolo.querystring import QueryString

from exchange import db
from exchange.auth.service import actor_of_member
from exchange.figures import queries, service, stock
from exchange.figures.arithmetic import Month, Sums, boundaries, co2e_kg
from exchange.figures.factors import load_factor_set
from exchange.lieu.service import install_shipped_categories
from exchange.tables import Category, Event, Item

PARIS = ZoneInfo("Europe/Paris")
MONTHS = [Month(2026, 1), Month(2026, 2), Month(2026, 3)]
LIEU_MIGRATION = "m0009_lieux"
FLOWS_MIGRATION = "m0013_flow_change"


def migration_modules():
    """The migrations in the order Piccolo applies them (by their ID)."""
    folder = Path(__file__).resolve().parent.parent / "migrations"
    modules = [importlib.import_module(f"migrations.{path.stem}") for path in sorted(folder.glob("m*.py"))]
    return sorted(modules, key=lambda m: m.ID)


async def run_sql(engine, sql: str, *values):
    return await engine.run_querystring(QueryString(sql, *values))


async def write_history(engine) -> None:
    """Two workshops, two members, six items and their ledger over three months, written as
    the schema before m0009 holds them (an event on 31 January 23:30 and one on 1 February
    00:10 in Paris, so the months are cut in the lieu's time zone)."""
    now = datetime.fromisoformat("2026-04-01T10:00:00+02:00")
    for slug in ("bois", "metal"):
        await run_sql(engine, "INSERT INTO workshop (slug, name, created_at) VALUES ({}, {}, {})", slug, slug, now)
    for email, role in (("claire@old.example", "coordinator"), ("karim@old.example", "steward")):
        await run_sql(
            engine,
            "INSERT INTO member (email, name, role, password_hash, active, created_at) VALUES ({}, {}, {}, 'x', {}, {})",
            email,
            email.split("@")[0],
            role,
            True,
            now,
        )
    workshops = {r["slug"]: r["id"] for r in await run_sql(engine, "SELECT id, slug FROM workshop")}
    categories = {r["slug"]: r["id"] for r in await Category.select(Category.id, Category.slug)}
    steward = (await run_sql(engine, "SELECT id FROM member WHERE role = 'steward'"))[0]["id"]
    items: dict[str, int] = {}

    async def item(name, category, workshop, grams, when, status, parent=None):
        rows = await Item.insert(
            Item(
                code=f"TEST-000{len(items)}",
                category=categories[category],
                title=name,
                mass_g=grams,
                mass_source="weighed",
                status=status,
                workshop=workshops[workshop],
                parent=items.get(parent),
                created_at=datetime.fromisoformat(when),
                last_event_at=datetime.fromisoformat(when),
            )
        ).returning(Item.id)
        items[name] = rows[0]["id"]

    async def event(name, kind, when, workshop, category, grams=None, **extra):
        more = {k: workshops.get(v) if k == "from_workshop" else v for k, v in extra.items()}
        await Event.insert(
            Event(
                item=items[name],
                kind=kind,
                occurred_at=datetime.fromisoformat(when),
                member=steward,
                workshop=workshops[workshop],
                category=categories[category],
                mass_g=grams,
                **more,
            )
        )

    await item("A", "plywood", "metal", 20_000, "2026-01-05T10:00:00+01:00", "used")
    await event("A", "intake", "2026-01-05T10:00:00+01:00", "bois", "plywood", 20_000)
    await event("A", "move", "2026-01-31T23:30:00+01:00", "metal", "plywood", 20_000, from_workshop="bois")
    await event("A", "use", "2026-02-10T09:00:00+01:00", "metal", "plywood", 20_000)
    await item("B", "steel", "metal", 11_000, "2026-01-10T10:00:00+01:00", "recycled")
    await event("B", "intake", "2026-01-10T10:00:00+01:00", "metal", "steel", 12_500)
    await event("B", "adjust", "2026-02-28T23:30:00+01:00", "metal", "steel", 11_000, mass_before_g=12_500)
    await event("B", "recycle", "2026-03-02T11:00:00+01:00", "metal", "steel", 11_000)
    await item("C", "plywood", "bois", 30_000, "2026-02-01T00:10:00+01:00", "split")
    await event("C", "intake", "2026-02-01T00:10:00+01:00", "bois", "plywood", 30_000)
    await event("C", "split", "2026-03-05T15:00:00+01:00", "bois", "plywood", 30_000, loss_g=5_000)
    await item("D", "plywood", "bois", 10_000, "2026-03-05T15:00:00+01:00", "available", parent="C")
    await event("D", "piece", "2026-03-05T15:00:00+01:00", "bois", "plywood", 10_000)
    await item("E", "plywood", "bois", 15_000, "2026-03-05T15:00:00+01:00", "discarded", parent="C")
    await event("E", "piece", "2026-03-05T15:00:00+01:00", "bois", "plywood", 15_000)
    await event("E", "discard", "2026-03-20T15:00:00+01:00", "bois", "plywood", 15_000)
    await item("F", "steel", "metal", 5_000, "2026-03-31T23:30:00+02:00", "available")
    await event("F", "intake", "2026-03-31T23:30:00+02:00", "metal", "steel", 5_000)


async def figures_from_the_ledger() -> list[dict]:
    """Every figure of each month, from the events alone (the figures' own grouped query and
    fold, run on the schema before m0009): the lieu, each workshop and each category."""
    workshops = {r["id"]: r["slug"] for r in await Event.raw("SELECT id, slug FROM workshop")}
    categories = {r["id"]: r["slug"] for r in await Category.select(Category.id, Category.slug)}
    factors = await load_factor_set()
    bounds = boundaries(MONTHS, PARIS)
    buckets = service.fold(await queries.flow_rows(bounds))
    stock: dict = defaultdict(int)
    result = []
    for index in range(1, len(MONTHS) + 1):
        cells = dict(buckets.get(index, {}))
        for cell, opening in stock.items():
            cells.setdefault(cell, Sums()).opening_g = opening
        by_workshop: dict[str, Sums] = defaultdict(Sums)
        by_category: dict[str, Sums] = defaultdict(Sums)
        for (w, c), sums in cells.items():
            stock[(w, c)] = sums.closing_g
            reuse, recycle = factors.values.get(c, (None, None))
            sums.co2e_kg = co2e_kg(sums.reused_g, sums.recycled_g, reuse, recycle)
            by_workshop[workshops[w]].add(sums)
            by_category[categories[c]].add(sums)
        result.append(
            {
                "lieu": service.figure_fields(Sums.total(cells.values())),
                "by_workshop": {w: service.figure_fields(s) for w, s in by_workshop.items()},
                "by_category": {c: service.figure_fields(s) for c, s in by_category.items() if not s.is_empty()},
            }
        )
    return result


def fields_of(figures) -> dict:
    return {name: getattr(figures, name) for name in service.figure_fields(Sums())}


@pytest.fixture
async def old_database(lieu):
    """A database of its own, on the fixture's engine, at the schema just before m0009."""
    if lieu.name == "sqlite":
        url = f"sqlite:///{tempfile.mkdtemp(prefix='exchange-upgrade-')}/old.db"
    else:
        url = await create_pg_database()
    engine = db.engine_from_url(url)
    db.use_engine(engine)
    await db.start(engine)
    try:
        yield engine
    finally:
        await db.stop(engine)
        db.use_engine(lieu.engine)
        if lieu.name == "postgres":
            await drop_pg_database(url)


async def test_an_installation_with_history_becomes_its_first_lieu(old_database):
    modules = migration_modules()
    names = [m.__name__.rpartition(".")[2] for m in modules]
    lieux = modules.pop(names.index(LIEU_MIGRATION))
    # Every other migration (the schema as it was on main before this one), but those that build
    # on the lieu table (NEEDS = "m0009_lieux"), run after it as an upgrade runs them.
    on_lieux = [m for m in modules if getattr(m, "NEEDS", None) == LIEU_MIGRATION]
    for module in modules:
        if module not in on_lieux:
            await (await module.forwards()).run()
    await install_shipped_categories()
    await write_history(old_database)
    await run_sql(
        old_database,
        "INSERT INTO label_printer (name, model, label, uri, created_at)"
        " VALUES ('QL atelier', 'QL-820NWB', '62', 'tcp://127.0.0.1:9100', CURRENT_TIMESTAMP)",
    )
    before = await figures_from_the_ledger()
    assert before[0]["lieu"]["intake_kg"] == 32.5 and before[1]["lieu"]["intake_kg"] == 30.0  # the history is there

    await (await lieux.forwards()).run()
    for module in on_lieux:
        await (await module.forwards()).run()

    (lieu,) = await run_sql(old_database, "SELECT * FROM lieu")
    assert (lieu["slug"], lieu["name"], lieu["time_zone"]) == ("la-fabrique-test", "La Fabrique Test", "Europe/Paris")
    assert lieu["language"] == "fr"  # m0011: labels in French, as they were
    assert {r["lieu"] for r in await run_sql(old_database, "SELECT lieu FROM workshop")} == {lieu["id"]}
    printers = await run_sql(old_database, "SELECT name, lieu FROM label_printer")
    assert [(p["name"], p["lieu"]) for p in printers] == [("QL atelier", lieu["id"])]  # m0014
    members = await run_sql(old_database, "SELECT id, role FROM member ORDER BY id")
    for member in members:
        actor = await actor_of_member(member["id"])
        assert actor.roles == ((lieu["id"], member["role"]),) and actor.lieu == lieu["id"] and not actor.network
    for month, expected in zip(MONTHS, before):
        after = await service.month_figures(str(month))
        assert fields_of(after) == expected["lieu"], month
        assert {w.workshop: fields_of(w) for w in after.by_workshop} == expected["by_workshop"], month
        assert {c.category: fields_of(c) for c in after.by_category} == expected["by_category"], month
    # and the items and their ledger are untouched
    assert await Item.count() == 6 and await Event.count() == 12


async def test_the_stock_kept_before_the_flows_is_kept_again_with_them(old_database):
    modules = migration_modules()
    names = [m.__name__.rpartition(".")[2] for m in modules]
    flows = modules.pop(names.index(FLOWS_MIGRATION))
    lieux = modules.pop(names.index(LIEU_MIGRATION))
    on_lieux = [m for m in modules if getattr(m, "NEEDS", None) == LIEU_MIGRATION]
    for module in [*(m for m in modules if m not in on_lieux), lieux, *on_lieux]:
        await (await module.forwards()).run()
    await install_shipped_categories()
    await write_history(old_database)
    await run_sql(old_database, "UPDATE workshop SET lieu = (SELECT MIN(id) FROM lieu)")
    # the keeper as it was before m0013: the stock's months kept, up to the mark (the last event)
    timezone = str(PARIS)
    events = await queries.next_events(timezone, 100)
    await queries.add_changes(timezone, list(stock.monthly_changes(events, PARIS).items()))
    await queries.set_mark(timezone, events[-1]["id"])
    expected = await figures_from_the_ledger()

    await (await flows.forwards()).run()
    assert not await run_sql(old_database, "SELECT 1 FROM stock_change_mark")  # to be kept again, with the flows
    assert not await run_sql(old_database, "SELECT 1 FROM stock_change")
    for kept in (False, True):
        if kept:
            assert await stock.keep_stock_ahead() == len(events)
            assert await run_sql(old_database, "SELECT 1 FROM flow_change")
        for month, figures in zip(MONTHS, expected):
            after = await service.month_figures(str(month))
            assert fields_of(after) == figures["lieu"], (month, kept)
            assert {w.workshop: fields_of(w) for w in after.by_workshop} == figures["by_workshop"], (month, kept)
