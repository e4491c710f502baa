"""`python -m bench.network`: a regional network on PostgreSQL, generated in bulk and measured.

    python -m bench.network [--lieux 300] [--items 1000000] [--events 10000000] [--iterations 200]

300 lieux spread over France (around its cities, some tens of km apart) and a few overseas in
their own time zones (La Réunion, the Antilles, Guyane), four workshops each; then 1,000,000
items and 10,000,000 events drawn by bench.lieu.draw (the same histories as the single-server
bench: intake, moves, reservations, splits, uses, recycling, discards) with a share of the moves
made transfers to a lieu within TRANSFER_KM. Written with COPY in chunks of CHUNK_ITEMS items
(each chunk drawn in a thread while the one before is copied), the secondary indexes dropped
before and built again after (91 s for the nine of them at 10,000,000 events), the foreign-key
triggers off meanwhile (the generator's ids are its own). 782 s in all at full size on two busy
cores (docs/benchmarks.md). Then the measures of bench.measures_network, against a database
created for the run and dropped after.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

_TMP = Path(tempfile.mkdtemp(prefix="exchange-bench-network-"))
os.environ.setdefault("EXCHANGE_SECRET", "bench-secret-" + "x" * 40)
os.environ.setdefault("EXCHANGE_VAR_DIR", str(_TMP / "var"))
os.environ.setdefault("EXCHANGE_MEDIA_DIR", str(_TMP / "media"))
os.environ.setdefault("EXCHANGE_TIMEZONE", "Europe/Paris")

from bench.lieu import (  # noqa: E402  (the settings above first)
    EVENT_COLUMNS,
    ITEM_COLUMNS,
    WORKSHOP_KINDS,
    People,
    Places,
    categories_by_slug,
    draw,
    make_people,
    write_sqlite,
)
from exchange import db  # noqa: E402
from exchange.ledger.geo import great_circle_km  # noqa: E402
from exchange.lieu.lieux import slug_from_name  # noqa: E402
from exchange.lieu.service import install_shipped_categories  # noqa: E402
from exchange.tables import Lieu, Workshop  # noqa: E402

TRANSFER_KM = 50  # a piece is passed on to a lieu this near at most
TRANSFER_SHARE = 0.15  # of the moves, those that go to a nearby lieu instead
CHUNK_ITEMS = 100_000  # two chunks in memory at a time: the process held some 900 MB at full size

# Where tiers-lieux are: French cities (latitude, longitude) and how many lieux each draws, in
# proportion; each lieu lands within SPREAD_KM of its city.
CITIES = [
    ("Paris", 48.857, 2.352, 30),
    ("Lyon", 45.764, 4.836, 14),
    ("Marseille", 43.297, 5.370, 10),
    ("Toulouse", 43.605, 1.444, 10),
    ("Nantes", 47.218, -1.554, 9),
    ("Bordeaux", 44.838, -0.579, 9),
    ("Lille", 50.629, 3.057, 9),
    ("Rennes", 48.117, -1.678, 8),
    ("Strasbourg", 48.573, 7.752, 7),
    ("Montpellier", 43.611, 3.877, 7),
    ("Grenoble", 45.188, 5.724, 7),
    ("Clermont-Ferrand", 45.778, 3.087, 5),
    ("Dijon", 47.322, 5.041, 4),
    ("Tours", 47.394, 0.685, 4),
    ("Rouen", 49.443, 1.100, 4),
    ("Nancy", 48.692, 6.184, 4),
    ("Limoges", 45.834, 1.262, 3),
    ("Brest", 48.390, -4.486, 3),
    ("Poitiers", 46.580, 0.340, 3),
    ("Besançon", 47.238, 6.024, 3),
    ("Caen", 49.183, -0.371, 3),
    ("Nice", 43.710, 7.262, 4),
    ("Perpignan", 42.699, 2.895, 2),
    ("Pau", 43.295, -0.371, 2),
    ("Ajaccio", 41.919, 8.739, 1),
]
SPREAD_KM = 35
# Overseas, each in its own time zone (a lieu in La Réunion is UTC+4 all year): 2 % of the lieux,
# at least one (the first is La Réunion), in this order.
OVERSEAS = [
    ("Saint-Denis (La Réunion)", -20.882, 55.451, "Indian/Reunion"),
    ("Pointe-à-Pitre", 16.241, -61.533, "America/Guadeloupe"),
    ("Saint-Pierre (La Réunion)", -21.339, 55.478, "Indian/Reunion"),
    ("Fort-de-France", 14.616, -61.059, "America/Martinique"),
    ("Cayenne", 4.922, -52.313, "America/Cayenne"),
    ("Le Port (La Réunion)", -20.937, 55.293, "Indian/Reunion"),
]


@dataclass
class Place:
    slug: str
    name: str
    city: str
    latitude: float
    longitude: float
    time_zone: str


@dataclass
class Network:
    """What the generator wrote, for the measures and the tests."""

    lieux: list[Place]
    items: int
    events: int
    transfers: int
    month: str  # the last complete month
    stock_g: int  # what the items available or reserved weigh
    seconds: float
    steps: dict[str, float] = field(default_factory=dict)  # seconds per step
    people: People | None = None


def places(rng: random.Random, count: int) -> list[Place]:
    """`count` lieux: 2 % overseas (at least one), the rest around the cities of France."""
    overseas = [OVERSEAS[n % len(OVERSEAS)] for n in range(max(1, round(count * 0.02)))] if count > 1 else []
    names = [c[0] for c in CITIES]
    weights = [c[3] for c in CITIES]
    result = []
    for n in range(count - len(overseas)):
        city = rng.choices(range(len(CITIES)), weights)[0]
        _, lat, lon, _ = CITIES[city]
        # Uniform over a disc of SPREAD_KM around the city (a degree of latitude is 111.2 km).
        r, a = SPREAD_KM * math.sqrt(rng.random()), rng.uniform(0, 2 * math.pi)
        lat += r * math.sin(a) / 111.2
        lon += r * math.cos(a) / (111.2 * math.cos(math.radians(lat)))
        name = f"Tiers-lieu {n + 1} ({names[city]})"
        result.append(Place(slug_from_name(name), name, names[city], round(lat, 5), round(lon, 5), "Europe/Paris"))
    for n, (city, lat, lon, zone) in enumerate(overseas):
        name = f"Tiers-lieu {count - len(overseas) + n + 1} ({city})"
        result.append(Place(slug_from_name(name), name, city, lat, lon, zone))
    return result


def neighbours(lieux: list[Place], km: float = TRANSFER_KM) -> list[list[int]]:
    """For each lieu (by index), the others within `km`."""
    return [
        [
            j
            for j, b in enumerate(lieux)
            if j != i and great_circle_km(a.latitude, a.longitude, b.latitude, b.longitude) <= km
        ]
        for i, a in enumerate(lieux)
    ]


async def _reference_rows(lieux: list[Place]) -> tuple[People, Places, dict[str, dict]]:
    """Categories, the lieux (the first is the one the migration made), four workshops each, people."""
    await install_shipped_categories()
    first = await Lieu.select(Lieu.id).order_by(Lieu.id).first()
    head, *rest = lieux
    await Lieu.update(
        {
            Lieu.slug: head.slug,
            Lieu.name: head.name,
            Lieu.city: head.city,
            Lieu.latitude: head.latitude,
            Lieu.longitude: head.longitude,
            Lieu.time_zone: head.time_zone,
        }
    ).where(Lieu.id == first["id"])
    if rest:
        await Lieu.insert(
            *[
                Lieu(
                    slug=p.slug,
                    name=p.name,
                    city=p.city,
                    latitude=p.latitude,
                    longitude=p.longitude,
                    time_zone=p.time_zone,
                )
                for p in rest
            ]
        )
    ids = {r["slug"]: r["id"] for r in await Lieu.select(Lieu.id, Lieu.slug)}
    await Workshop.insert(
        *[
            Workshop(slug=f"{p.slug}-{kind}", name=f"{name} ({p.name})", lieu=ids[p.slug])
            for p in lieux
            for kind, name in WORKSHOP_KINDS
        ]
    )
    rows = await Workshop.select(Workshop.id, Workshop.slug, Workshop.lieu).order_by(Workshop.id)
    index_of = {ids[p.slug]: n for n, p in enumerate(lieux)}
    by_lieu: list[list[int]] = [[] for _ in lieux]
    for r in rows:
        by_lieu[index_of[r["lieu"]]].append(r["id"])
    kinds = {r["id"]: r["slug"].rsplit("-", 1)[1] for r in rows}
    # Not a lieu of its own: everyone is a member of the first lieu (the events name who acted).
    people = await make_people()
    return people, Places(by_lieu, kinds, neighbours(lieux), TRANSFER_SHARE), await categories_by_slug()


async def _secondary_indexes(connection, table: str) -> list[tuple[str, str]]:
    """The indexes of `table` that no constraint owns (primary key, unique), with their definition."""
    rows = await connection.fetch(
        "SELECT indexname, indexdef FROM pg_indexes i WHERE tablename = $1"
        " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
        table,
    )
    return [(r["indexname"], r["indexdef"]) for r in rows]


async def write(url: str, chunks, steps: dict[str, float]) -> None:
    """COPY each chunk of (items, events) that `chunks` yields, in one transaction."""
    import asyncpg

    connection = await asyncpg.connect(url)
    try:
        async with connection.transaction():
            # Superuser only (the bench's PG_ADMIN): without it, the checks run row by row.
            try:
                await connection.execute("SET LOCAL session_replication_role = replica")
            except asyncpg.InsufficientPrivilegeError:
                pass
            dropped = [*await _secondary_indexes(connection, "item"), *await _secondary_indexes(connection, "event")]
            for name, _ in dropped:
                await connection.execute(f'DROP INDEX "{name}"')
            started = time.perf_counter()
            async for item_rows, event_rows in chunks:
                await connection.copy_records_to_table("item", records=item_rows, columns=list(ITEM_COLUMNS))
                await connection.copy_records_to_table("event", records=event_rows, columns=list(EVENT_COLUMNS))
            steps["draw_and_copy_s"] = time.perf_counter() - started
            started = time.perf_counter()
            await connection.execute("SET LOCAL maintenance_work_mem = '512MB'")
            for _, definition in dropped:
                await connection.execute(definition)
            for table in ("item", "event"):
                await connection.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
                )
            steps["indexes_s"] = time.perf_counter() - started
        started = time.perf_counter()
        await connection.execute("VACUUM ANALYZE item")
        await connection.execute("VACUUM ANALYZE event")
        steps["vacuum_analyze_s"] = time.perf_counter() - started
    finally:
        await connection.close()


async def _write_sqlite(path: str, chunks) -> None:
    async for item_rows, event_rows in chunks:
        await asyncio.to_thread(write_sqlite, path, item_rows, event_rows)


async def build_network(
    engine, url: str, n_lieux: int, n_items: int, n_events: int, seed: int = 11, chunk_items: int = CHUNK_ITEMS
) -> Network:
    """Migrate the empty database `engine` points at, then fill it (PostgreSQL with COPY; SQLite,
    for the tests' small networks, with bench.lieu's executemany)."""
    started = time.perf_counter()
    rng = random.Random(seed)
    lieux = places(rng, n_lieux)
    await db.migrate(engine)
    db.use_engine(engine)
    sqlite = db.is_sqlite(engine)
    if not sqlite:
        await engine.start_connection_pool(min_size=1, max_size=2)
    try:
        people, where, categories = await _reference_rows(lieux)
    finally:
        if not sqlite:
            await engine.close_connection_pool()
    steps = {"reference_rows_s": time.perf_counter() - started}
    end = int(time.time()) - 2 * 3600
    count = max(1, math.ceil(n_items / chunk_items))

    tally = dict.fromkeys(("items", "events", "transfers", "stock_g"), 0)

    async def chunks():
        """Chunk k+1 is drawn (in a thread) while chunk k is copied."""
        first_item = first_event = 1
        codes: set[str] = set()  # drawn one chunk after the other: shared

        def share(total: int, k: int) -> int:
            return total * (k + 1) // count - total * k // count

        def drawn(k: int, first_item: int, first_event: int):
            rng = random.Random(seed * 1000 + k)
            items, events = share(n_items, k), share(n_events, k)
            return draw(rng, items, events, where, categories, people, end, first_item, first_event, codes)

        pending = asyncio.create_task(asyncio.to_thread(drawn, 0, first_item, first_event))
        for k in range(count):
            chunk = await pending
            first_item += len(chunk[0])
            first_event += len(chunk[1])
            if k + 1 < count:
                pending = asyncio.create_task(asyncio.to_thread(drawn, k + 1, first_item, first_event))
            item_rows, event_rows, facts = chunk
            tally["items"] += len(item_rows)
            tally["events"] += len(event_rows)
            tally["transfers"] += sum(1 for e in event_rows if e[2] == "transfer")
            tally["stock_g"] += facts["stock_g"]
            del chunk, facts
            yield item_rows, event_rows

    if sqlite:
        await _write_sqlite(engine.path, chunks())
    else:
        await write(url, chunks(), steps)
    today = datetime.fromtimestamp(end, UTC)
    last_month = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    return Network(
        lieux=lieux,
        items=tally["items"],
        events=tally["events"],
        transfers=tally["transfers"],
        month=last_month,
        stock_g=tally["stock_g"],
        seconds=time.perf_counter() - started,
        steps=steps,
        people=people,
    )


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


async def run(url: str, args: argparse.Namespace) -> list:
    """Build the network in the database `url`, then measure it; the figures."""
    from bench.measures_network import measure_network

    engine = db.engine_from_url(url)
    network = await build_network(engine, url, args.lieux, args.items, args.events)
    say(
        f"network: {len(network.lieux)} lieux, {network.items:,} items, {network.events:,} events"
        f" ({network.transfers:,} transfers) written in {network.seconds:.0f} s"
        f" ({', '.join(f'{k} {v:.0f}' for k, v in network.steps.items())})"
    )
    await db.start(engine)
    try:
        return await measure_network(network, args.iterations, say)
    finally:
        await db.stop(engine)


def main() -> int:
    from bench.__main__ import PG_ADMIN, machine
    from bench.bench_figures import create_pg, drop_pg
    from bench.report import table

    parser = argparse.ArgumentParser(
        prog="python -m bench.network", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--lieux", type=int, default=300)
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--iterations", type=int, default=200, help="near-me searches timed")
    args = parser.parse_args()
    info = machine()
    say(f"machine: {info['cpu']}, {info['cores']} cores, load average {os.getloadavg()}")
    url = asyncio.run(create_pg(PG_ADMIN))
    try:
        figures = asyncio.run(run(url, args))
    finally:
        asyncio.run(drop_pg(PG_ADMIN, url))
    print()
    print(table(figures))
    missed = [f for f in figures if f.met is False]
    print(f"\n{sum(f.met is True for f in figures)} targets met, {len(missed)} missed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
