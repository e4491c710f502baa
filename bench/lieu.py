"""A network of lieux in one database: 100,000 items and 1,000,000 events, written in bulk.

The history is drawn in Python (a few seconds), then written with one `executemany` on SQLite
and `COPY` on PostgreSQL: minutes would be hours through the ledger service. It is still a
ledger the app can stand behind: every item begins with an `intake` (or a `piece` of a split),
its events follow in time, each carries the item's workshop, category and mass after it, the
item row is what its last event left, and a split's pieces plus its loss are its mass. The
figures' stock at the end equals the items on the shelves (the `check` of bench.measures' month figures;
for the network, tests/test_bench_network.py).

The network bench (bench/network.py) draws its lieux' histories with the same `draw`, with
transfers to lieux nearby. Over 400 lines: an item's story (its ending, its pieces, the moves and
reservations that fill its life, the rows it leaves) reads best in one function, with the two
writers that take its rows.
"""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from exchange import db
from exchange.auth.service import Actor, add_member, issue_token
from exchange.demo import CHANNELS, MATERIALS, PROJECTS
from exchange.ledger.codes import new_code
from exchange.ledger.mass import resolve_mass
from exchange.ledger.rules import Role
from exchange.lieu.service import install_shipped_categories
from exchange.tables import Category, Workshop

PASSWORD = "bench-password-2026"
LIEUX = ["nord", "sud", "est", "ouest"]
WORKSHOP_KINDS = [
    ("bois", "Atelier bois"),
    ("metal", "Atelier métal"),
    ("verre", "Atelier verre"),
    ("stock", "Réserve"),
]
MONTHS_OF_HISTORY = 36
DAY = 86_400

ITEM_COLUMNS = (
    "id",
    "code",
    "category",
    "title",
    "length_mm",
    "width_mm",
    "thickness_mm",
    "quantity",
    "mass_g",
    "mass_source",
    "condition",
    "origin",
    "note",
    "status",
    "workshop",
    "parent",
    "reserved_by",
    "reserved_until",
    "photo",
    "created_at",
    "last_event_at",
    "version",
)
EVENT_COLUMNS = (
    "id",
    "item",
    "kind",
    "occurred_at",
    "recorded_at",
    "member",
    "workshop",
    "from_workshop",
    "category",
    "from_category",
    "mass_g",
    "mass_before_g",
    "loss_g",
    "note",
    "data",
)

# How a root item's story ends, and how a piece's does (pieces are not cut again).
ROOT_ENDINGS = (["stay", "use", "recycle", "discard", "split", "reserved"], [34, 30, 10, 5, 19, 2])
PIECE_ENDINGS = (["stay", "use", "recycle", "discard", "reserved"], [45, 35, 10, 8, 2])


@dataclass
class People:
    coordinator: Actor
    stewards: list[Actor]
    members: list[Actor]
    steward_token: str
    member_token: str


@dataclass
class Lieu:
    """What the generator wrote, for the measures to pick from."""

    items: int
    events: int
    codes: list[str]  # a sample of codes, half of them available
    month: str  # the last complete month, for the figures
    people: People
    workshops: list[str]
    seconds: float
    stock_g: int = 0
    notes: list[str] = field(default_factory=list)


@dataclass
class Places:
    """Where items sit: each lieu's workshops (by index of lieu), each workshop's kind, and the
    lieux near each (a transfer goes to one of them: none, no transfers)."""

    by_lieu: list[list[int]]
    kind_of_workshop: dict[int, str]
    neighbours: list[list[int]] = field(default_factory=list)
    transfer_share: float = 0.0  # of the moves, those that go to a nearby lieu instead


def lieu_places(workshops: list[dict]) -> Places:
    """The four lieux of the single-server bench, told apart by their workshops' slugs."""
    return Places(
        by_lieu=[[w["id"] for w in workshops if w["slug"].startswith(f"{lieu}-")] for lieu in LIEUX],
        kind_of_workshop={w["id"]: w["slug"].split("-", 1)[1] for w in workshops},
    )


@dataclass
class _Item:
    index: int
    code: str
    category: int
    title: str
    length: int
    width: int
    thickness: int
    mass_g: int
    source: str
    condition: str
    origin: str
    workshop: int
    lieu: int
    ending: str
    parent: int | None = None  # index of the parent item
    start: int = 0  # epoch seconds of intake / piece
    fillers: list[str] = field(default_factory=list)
    pieces: list[int] = field(default_factory=list)


async def _setup_reference_data() -> tuple[People, list[dict], dict[str, dict]]:
    """Categories (the shipped ones), 16 workshops in 4 lieux, a coordinator, stewards, members."""
    await install_shipped_categories()
    for lieu in LIEUX:
        for kind, name in WORKSHOP_KINDS:
            await Workshop.insert(Workshop(slug=f"{lieu}-{kind}", name=f"{name} ({lieu})"))
    everyone = await make_people()
    workshops = list(await Workshop.select(Workshop.id, Workshop.slug).order_by(Workshop.id))
    return everyone, workshops, await categories_by_slug()


async def categories_by_slug() -> dict[str, dict]:
    return {r["slug"]: r for r in await Category.select(Category.id, Category.slug, Category.density_kg_m3)}


async def make_people() -> People:
    """A coordinator, 9 stewards and 48 members, with a token each for a steward and a member."""
    # argon2 is slow on purpose: hash the password once and write the rows with it.
    from exchange.auth.service import hash_password
    from exchange.tables import Member

    hashed = hash_password(PASSWORD)
    people: dict[Role, list[Actor]] = {Role.coordinator: [], Role.steward: [], Role.member: []}
    plan = [(Role.coordinator, 1), (Role.steward, 8), (Role.member, 48)]
    for role, count in plan:
        for n in range(count):
            email = f"{role.value}{n}@bench.exchange"
            name = f"{role.value.capitalize()} {n}"
            rows = await Member.insert(Member(email=email, name=name, role=role.value, password_hash=hashed)).returning(
                Member.id
            )
            people[role].append(Actor(id=rows[0]["id"], name=name, email=email, role=role))
    # One real add_member, so the path the app uses is the one that made a member at least once.
    extra = await add_member("steward-extra@bench.exchange", "Steward extra", Role.steward, PASSWORD)
    people[Role.steward].append(
        Actor(id=extra, name="Steward extra", email="steward-extra@bench.exchange", role=Role.steward)
    )
    everyone = People(
        coordinator=people[Role.coordinator][0],
        stewards=people[Role.steward],
        members=people[Role.member],
        steward_token=await issue_token(people[Role.steward][0]),
        member_token=await issue_token(people[Role.member][0]),
    )
    return everyone


def draw(
    rng: random.Random,
    n_items: int,
    n_events: int,
    places: Places,
    categories: dict[str, dict],
    people: People,
    end: int,
    first_item: int = 1,
    first_event: int = 1,
    codes: set[str] | None = None,
) -> tuple[list[tuple], list[tuple], dict]:
    """Items and events as rows (ids from `first_item` and `first_event`, assigned in time
    order), and a few facts about them. `codes`: those already given out (by the chunks before:
    a million random codes hold some fifteen pairs), added to."""
    by_lieu, kind_of_workshop = places.by_lieu, places.kind_of_workshop
    materials = [m for m in MATERIALS if m[0] in categories and categories[m[0]]["density_kg_m3"]]
    codes = set() if codes is None else codes

    def code() -> str:
        while True:
            c = new_code()
            if c not in codes:
                codes.add(c)
                return c

    items: list[_Item] = []

    def make(ending_table, parent: _Item | None = None, dims: tuple[int, int, int] | None = None, mass_g=None) -> _Item:
        if parent is None:
            slug, home, titles, lengths, widths, thicknesses = rng.choice(materials)
            lieu = rng.randrange(len(by_lieu))
            local = [w for w in by_lieu[lieu] if kind_of_workshop[w] in (home, "stock")]
            workshop = rng.choice(local)
            length, width, thickness = rng.randint(*lengths), rng.randint(*widths), rng.choice(thicknesses)
            category = categories[slug]
            weighed = round(rng.uniform(0.5, 12) * 1000) if rng.random() < 0.2 else None
            mass, source = resolve_mass(weighed, length, width, thickness, 1, category["density_kg_m3"])
            title = rng.choice(titles)
            condition = rng.choice(["bon", "bon", "rayé", "à poncer"])
            origin = rng.choice(["", "menuiserie voisine", "chantier", "déchetterie"])
            category_id = category["id"]
        else:
            length, width, thickness = dims
            mass, source = mass_g, "estimated"
            lieu, workshop, title = parent.lieu, parent.workshop, parent.title
            condition, origin, category_id = parent.condition, parent.origin, parent.category
        ending = rng.choices(*ending_table)[0]
        item = _Item(
            index=len(items),
            code=code(),
            category=category_id,
            title=title,
            length=length,
            width=width,
            thickness=thickness,
            mass_g=mass,
            source=source,
            condition=condition,
            origin=origin,
            workshop=workshop,
            lieu=lieu,
            ending=ending,
            parent=None if parent is None else parent.index,
        )
        items.append(item)
        return item

    # 1. The items: roots, and the pieces of those that are cut.
    while len(items) < n_items:
        root = make(ROOT_ENDINGS)
        if root.ending == "split":
            room = n_items - len(items)
            count = min(rng.choice([2, 2, 3]), room)
            if count < 1 or root.length < 40 or root.width < 20:
                root.ending = "use"
                continue
            # Cut across the length: pieces share the width, each a share of the length, the
            # saw kerf and the trimmed ends are the loss (mass in proportion to volume).
            usable = int(root.length * rng.uniform(0.80, 0.95))
            cuts = sorted(rng.sample(range(1, usable), count - 1)) if count > 1 else []
            lengths = [b - a for a, b in zip([0, *cuts], [*cuts, usable])]
            if min(lengths) < 1:
                root.ending = "use"
                continue
            volume = root.length * root.width * root.thickness
            for piece_length in lengths:
                share = piece_length * root.width * root.thickness
                piece = make(
                    PIECE_ENDINGS,
                    parent=root,
                    dims=(piece_length, root.width, root.thickness),
                    mass_g=root.mass_g * share // volume,
                )
                root.pieces.append(piece.index)

    # 2. How many events each ending writes, and the moves and reservations that fill the rest.
    base = sum(1 + (0 if i.ending == "stay" else 1) for i in items)
    filler = n_events - base
    if filler < 0:
        raise ValueError(f"{n_events} events are too few for {n_items} items (at least {base})")
    while filler > 0:
        item = items[rng.randrange(len(items))]
        if filler >= 2 and rng.random() < 0.45:
            item.fillers.append("reserve")
            filler -= 2
        else:
            item.fillers.append("move")
            filler -= 1

    # 3. Times and events, item by item (a piece's story starts at its parent's split).
    start_of_history = end - MONTHS_OF_HISTORY * 30 * DAY
    events: list[list] = []  # [time, seq, item index, kind, member, workshop, from, mass, loss, note, data]
    seq = 0
    steward_ids = [a.id for a in people.stewards]
    member_ids = [a.id for a in people.members]
    final_state: dict[int, tuple] = {}

    def emit(t, item, kind, member, workshop, from_workshop=None, mass=None, loss=None, note="", data=None):
        nonlocal seq
        seq += 1
        events.append(
            [
                t,
                seq,
                item.index,
                kind,
                member,
                workshop,
                from_workshop,
                item.mass_g if mass is None else mass,
                loss,
                note,
                json.dumps(data or {}, ensure_ascii=False),
            ]
        )

    def story(item: _Item, start: int) -> None:
        item.start = start
        ending = item.ending
        if item.parent is None:
            emit(start, item, "intake", rng.choice(steward_ids), item.workshop)
        else:
            emit(start, item, "piece", rng.choice(steward_ids), item.workshop, data={"parent": items[item.parent].code})
        steps = list(item.fillers)
        rng.shuffle(steps)
        if ending != "stay":
            steps.append(ending)
        # A life of one day to six months, ending before `end`; a reservation still running
        # at the end is the last step, taken in the last day.
        span_end = min(end - DAY if ending == "reserved" else end, start + rng.randint(DAY, 180 * DAY))
        span = max(span_end - start, len(steps) * 2 + 2)
        times = sorted(rng.sample(range(1, span), len(steps))) if steps else []
        times = [start + t for t in times]
        if ending == "reserved":
            times[-1] = max(times[-1], end - rng.randint(60, DAY // 2))
        workshop = item.workshop
        reserved_by = reserved_until = None
        for n, (kind, t) in enumerate(zip(steps, times)):
            if (
                kind == "move"
                and places.neighbours
                and places.neighbours[item.lieu]
                and (rng.random() < places.transfer_share)
            ):
                # Passed on to a lieu nearby: the piece keeps its status and holder (DESIGN.md).
                item.lieu = rng.choice(places.neighbours[item.lieu])
                target = rng.choice(by_lieu[item.lieu])
                item.workshop = target
                emit(t, item, "transfer", rng.choice(steward_ids), target, from_workshop=workshop)
                workshop = target
            elif kind == "move":
                lieu_workshops = by_lieu[item.lieu]
                target = rng.choice([w for w in lieu_workshops if w != workshop])
                item.workshop = target
                emit(t, item, "move", rng.choice(steward_ids), target, from_workshop=workshop)
                workshop = target
            elif kind in ("reserve", "reserved"):
                holder = rng.choice(member_ids)
                until = t + 48 * 3600
                emit(
                    t, item, "reserve", holder, workshop, data={"until": datetime.fromtimestamp(until, UTC).isoformat()}
                )
                if kind == "reserved":
                    reserved_by, reserved_until = holder, until
                else:
                    following = times[n + 1] if n + 1 < len(times) else span_end
                    release = t + max(1, min(following - t - 1, rng.randint(600, 47 * 3600)))
                    release = max(t, min(release, following))
                    emit(release, item, "release", holder, workshop)
            elif kind == "use":
                emit(t, item, "use", rng.choice(member_ids), workshop, data={"project": rng.choice(PROJECTS)})
            elif kind == "recycle":
                emit(t, item, "recycle", rng.choice(steward_ids), workshop, data={"channel": rng.choice(CHANNELS)})
            elif kind == "discard":
                emit(t, item, "discard", rng.choice(steward_ids), workshop)
            elif kind == "split":
                pieces = [items[p] for p in item.pieces]
                loss = item.mass_g - sum(p.mass_g for p in pieces)
                emit(
                    t,
                    item,
                    "split",
                    rng.choice(steward_ids),
                    workshop,
                    loss=loss,
                    data={"pieces": [p.code for p in pieces]},
                )
                for piece in pieces:
                    piece.workshop, piece.lieu = workshop, item.lieu
                    story(piece, t)
        status = {
            "stay": "available",
            "reserved": "reserved",
            "use": "used",
            "recycle": "recycled",
            "discard": "discarded",
            "split": "split",
        }[ending]
        final_state[item.index] = (status, workshop, reserved_by, reserved_until)

    for item in items:
        if item.parent is None:
            story(item, start_of_history + rng.randint(0, end - start_of_history - 3 * DAY))

    # 4. Ids in time order, as a real ledger would have them.
    events.sort(key=lambda e: (e[0], e[1]))
    order = sorted(range(len(items)), key=lambda i: (items[i].start, i))
    item_id = {index: first_item + n for n, index in enumerate(order)}
    last_event: dict[int, int] = {}
    count_events: dict[int, int] = {}
    for e in events:
        last_event[e[2]] = e[0]
        count_events[e[2]] = count_events.get(e[2], 0) + 1

    def ts(seconds: int) -> datetime:
        return datetime.fromtimestamp(seconds, UTC)

    category_of = {i.index: i.category for i in items}
    item_rows = []
    for index in order:
        i = items[index]
        status, workshop, holder, until = final_state[index]
        item_rows.append(
            (
                item_id[index],
                i.code,
                i.category,
                i.title,
                i.length,
                i.width,
                i.thickness,
                1,
                i.mass_g,
                i.source,
                i.condition,
                i.origin,
                "",
                status,
                workshop,
                None if i.parent is None else item_id[i.parent],
                holder,
                None if until is None else ts(until),
                None,
                ts(i.start),
                ts(last_event[index]),
                count_events[index] - 1,
            )
        )
    event_rows = []
    for n, (t, _, index, kind, member, workshop, from_workshop, mass, loss, note, data) in enumerate(
        events, first_event
    ):
        when = ts(t)
        event_rows.append(
            (
                n,
                item_id[index],
                kind,
                when,
                when,
                member,
                workshop,
                from_workshop,
                category_of[index],
                None,
                mass,
                None,
                loss,
                note,
                data,
            )
        )
    stock_g = sum(i.mass_g for i in items if final_state[i.index][0] in ("available", "reserved"))
    available = [items[i].code for i in order if final_state[i][0] == "available"]
    others = [items[i].code for i in order if final_state[i][0] != "available"]
    facts = {"stock_g": stock_g, "available": available, "others": others}
    return item_rows, event_rows, facts


def _sqlite_value(value):
    if isinstance(value, datetime):
        return str(value.astimezone(UTC))  # as Piccolo writes a timestamptz on SQLite
    return value


def write_sqlite(path: str, item_rows: list[tuple], event_rows: list[tuple]) -> None:
    connection = sqlite3.connect(path, timeout=db.SQLITE_BUSY_TIMEOUT_S, isolation_level=None)
    try:
        connection.execute("PRAGMA cache_size = -400000")
        connection.execute("PRAGMA synchronous = OFF")
        connection.execute("BEGIN IMMEDIATE")
        marks = ", ".join("?" * len(ITEM_COLUMNS))
        connection.executemany(
            f"INSERT INTO item ({', '.join(ITEM_COLUMNS)}) VALUES ({marks})",
            ([_sqlite_value(v) for v in row] for row in item_rows),
        )
        marks = ", ".join("?" * len(EVENT_COLUMNS))
        connection.executemany(
            f"INSERT INTO event ({', '.join(EVENT_COLUMNS)}) VALUES ({marks})",
            ([_sqlite_value(v) for v in row] for row in event_rows),
        )
        connection.execute("COMMIT")
        connection.execute("ANALYZE")
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()


async def _write_postgres(dsn: str, item_rows: list[tuple], event_rows: list[tuple]) -> None:
    import asyncpg

    connection = await asyncpg.connect(dsn)
    try:
        async with connection.transaction():
            await connection.copy_records_to_table("item", records=item_rows, columns=list(ITEM_COLUMNS))
            await connection.copy_records_to_table("event", records=event_rows, columns=list(EVENT_COLUMNS))
            for table in ("item", "event"):
                await connection.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
                )
        # As autovacuum would leave it after a while: statistics, and a visibility map for index-only scans.
        await connection.execute("VACUUM ANALYZE item")
        await connection.execute("VACUUM ANALYZE event")
    finally:
        await connection.close()


async def build_lieu(engine, url: str, n_items: int, n_events: int, seed: int = 7) -> Lieu:
    """Migrate the empty database `engine` points at, then fill it. Returns what the measures need."""
    started = time.perf_counter()
    await db.migrate(engine)
    db.use_engine(engine)
    if not db.is_sqlite(engine):
        await engine.start_connection_pool(min_size=1, max_size=2)
    try:
        people, workshops, categories = await _setup_reference_data()
    finally:
        if not db.is_sqlite(engine):
            await engine.close_connection_pool()
    rng = random.Random(seed)
    end = int(time.time()) - 2 * 3600
    item_rows, event_rows, facts = await asyncio.to_thread(
        draw, rng, n_items, n_events, lieu_places(workshops), categories, people, end
    )
    if db.is_sqlite(engine):
        await asyncio.to_thread(write_sqlite, engine.path, item_rows, event_rows)
    else:
        await _write_postgres(url, item_rows, event_rows)
    sample = facts["available"][:: max(1, len(facts["available"]) // 500)][:500]
    sample += facts["others"][:: max(1, len(facts["others"]) // 500)][:500]
    rng.shuffle(sample)
    today = datetime.fromtimestamp(end, UTC)
    first_of_month = today.replace(day=1)
    last_month = (first_of_month - timedelta(days=1)).strftime("%Y-%m")
    return Lieu(
        items=len(item_rows),
        events=len(event_rows),
        codes=sample,
        month=last_month,
        people=people,
        workshops=[w["slug"] for w in workshops],
        seconds=time.perf_counter() - started,
        stock_g=facts["stock_g"],
    )
