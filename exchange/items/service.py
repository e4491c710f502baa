"""The ledger's service: each action reads the item, applies the pure rules, and writes the
item's change and its event in one write transaction. A conditional update on the item's
`version` makes sure that of two people acting at once exactly one wins."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import msgspec

from exchange.auth.service import Actor
from exchange.db import Prepared, PreparedInsert, PreparedSQL, write_transaction
from exchange.items import schemas
from exchange.items.search import matching_categories, search_text, words_of
from exchange.ledger.codes import new_code, parse_code
from exchange.ledger.fit import parse_fit
from exchange.ledger.mass import g_from_kg, resolve_mass
from exchange.ledger.rules import (
    DEFAULT_RESERVATION_HOURS,
    Action,
    Conflict,
    EventKind,
    Invalid,
    LedgerError,
    Role,
    Status,
    check_occurred_at,
    next_status,
)
from exchange.ledger.split import PieceSpec, plan_split
from exchange.settings import get_settings
from exchange.tables import BlankCode, Category, Event, IdempotencyKey, Item, Workshop


class NotFound(LedgerError):
    status_code = 404


def now_utc() -> datetime:
    return datetime.now(UTC)


def kg(mass_g: int | None) -> float | None:
    return None if mass_g is None else mass_g / 1000


def _unique_violation(error: BaseException) -> bool:
    return isinstance(error, (asyncpg.UniqueViolationError, sqlite3.IntegrityError)) and (
        "UNIQUE" in str(error).upper()
    )


# ---------------------------------------------------------------------------------------------
# Reading


_ITEM_COLUMNS = (
    *Item.all_columns(),
    Item.category.slug.as_alias("category_slug"),
    Item.workshop.slug.as_alias("workshop_slug"),
    Item.parent.code.as_alias("parent_code"),
    Item.reserved_by.name.as_alias("holder_name"),
)


def effective_status(row: dict, now: datetime) -> Status:
    """A reservation past its expiry is over, even before the sweep writes its release event."""
    if row["status"] == Status.reserved and row["reserved_until"] is not None and row["reserved_until"] <= now:
        return Status.available
    return Status(row["status"])


def item_out(row: dict, viewer: Actor | None, now: datetime) -> schemas.ItemOut:
    base = get_settings().base_url
    status = effective_status(row, now)
    held = status is Status.reserved
    photo = row["photo"]
    return schemas.ItemOut(
        code=row["code"],
        category=row["category_slug"],
        title=row["title"],
        length_mm=row["length_mm"],
        width_mm=row["width_mm"],
        thickness_mm=row["thickness_mm"],
        quantity=row["quantity"],
        mass_kg=kg(row["mass_g"]),
        mass_source=row["mass_source"],
        condition=row["condition"],
        origin=row["origin"],
        note=row["note"],
        status=status.value,
        workshop=row["workshop_slug"],
        parent=row["parent_code"],
        # No member's name for someone not logged in.
        reserved_by=row["holder_name"] if held and viewer is not None else None,
        reserved_until=row["reserved_until"] if held else None,
        created_at=row["created_at"],
        last_event_at=row["last_event_at"],
        url=f"{base}/i/{row['code']}",
        label_url=f"{base}/api/v1/items/{row['code']}/label.png",
        photo_url=f"{base}/media/{photo}.jpg" if photo else None,
        thumbnail_url=f"{base}/media/{photo}-thumb.jpg" if photo else None,
    )


# Built once: the select with its joins costs more to build than to run.
_ITEM_BY_CODE = Prepared(Item, lambda code: Item.select(*_ITEM_COLUMNS).where(Item.code == code).limit(1), 1)


async def _item_row(code: str) -> dict:
    row = await _ITEM_BY_CODE.first(code)
    if row is None:
        raise NotFound(f"No item holds the code {code}.")
    return row


async def get_item(raw_code: str, viewer: Actor | None) -> schemas.ItemOut:
    return item_out(await _item_row(parse_code(raw_code)), viewer, now_utc())


async def get_item_revision(raw_code: str, viewer: Actor | None) -> tuple[schemas.ItemOut, tuple[int, int]]:
    """The item, and (its row id, its version): every event of an item comes with an update
    of its row that bumps the version, so the pair names the item's history as it stands."""
    row = await _item_row(parse_code(raw_code))
    return item_out(row, viewer, now_utc()), (row["id"], row["version"])


async def is_blank_code(code: str) -> bool:
    return await BlankCode.exists().where(BlankCode.code == code)


_EVENTS_BY_CODE = Prepared(
    Event,
    lambda code: (
        Event.select(
            *Event.all_columns(),
            Event.member.name.as_alias("member_name"),
            Event.workshop.slug.as_alias("workshop_slug"),
            Event.from_workshop.slug.as_alias("from_workshop_slug"),
            Event.category.slug.as_alias("category_slug"),
        )
        .where(Event.item.code == code)
        .order_by(Event.id)
    ),
    1,
)


async def item_events(raw_code: str, viewer: Actor | None) -> list[schemas.EventOut]:
    code = parse_code(raw_code)
    # One query by code; every item has at least its first event, so no rows means no item.
    rows = await _EVENTS_BY_CODE.rows(code)
    if not rows and not await Item.exists().where(Item.code == code):
        raise NotFound(f"No item holds the code {code}.")
    return [
        schemas.EventOut(
            id=row["id"],
            kind=row["kind"],
            occurred_at=row["occurred_at"],
            recorded_at=row["recorded_at"],
            by=row["member_name"] if viewer is not None else None,
            workshop=row["workshop_slug"],
            from_workshop=row["from_workshop_slug"],
            category=row["category_slug"],
            mass_kg=kg(row["mass_g"]),
            loss_kg=kg(row["loss_g"]),
            note=row["note"],
            data=_json(row["data"]),
        )
        for row in rows
    ]


def _json(value: Any) -> dict:
    return json.loads(value) if isinstance(value, str) else (value or {})


# ---------------------------------------------------------------------------------------------
# Listing


@dataclass(frozen=True)
class ItemFilters:
    status: str = "available"
    category: str | None = None
    workshop: str | None = None
    min_length_mm: int | None = None
    min_width_mm: int | None = None
    thickness_mm: int | None = None
    q: str | None = None
    fit: str | None = None
    limit: int = 50
    cursor: str | None = None
    offset: int = 0


MAX_LIMIT = 200
MAX_OFFSET = 100_000


def _encode_cursor(values: list[int]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, size: int) -> list[int]:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        values = None
    if not (isinstance(values, list) and len(values) == size and all(type(v) is int for v in values)):
        raise Invalid("This cursor is not one the list gave out.", field="cursor")
    return values


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


_ITEMS = Prepared(Item, lambda: Item.select(*_ITEM_COLUMNS), 0)
_CATEGORY_ID = Prepared(Category, lambda slug: Category.select(Category.id).where(Category.slug == slug).limit(1), 1)
_CATEGORY_NAMES = Prepared(
    Category, lambda: Category.select(Category.id, Category.slug, Category.name, Category.name_fr), 0
)
_WORKSHOP_ID = Prepared(Workshop, lambda slug: Workshop.select(Workshop.id).where(Workshop.slug == slug).limit(1), 1)


Arms = list[tuple[str, tuple[Any, ...]]]


async def _list_conditions(filters: ItemFilters, now: datetime) -> tuple[Arms, list[str], list[Any]]:
    """The status arms and the other conditions of a list (no cursor): shared by the page and its count."""
    clauses: list[str] = []
    args: list[Any] = []

    def where(sql: str, *values: Any) -> None:
        clauses.append(sql)
        args.extend(values)

    # Each arm is one status condition without OR, so that each reads its own range of an
    # index in the page's order and stops at the page's end; their union is then cut again.
    arms: Arms
    status = filters.status
    if status == "available":
        # A reservation past its expiry is available again.
        arms = [
            ("item.status = {}", ("available",)),
            ("item.status = {} AND item.reserved_until <= {}", ("reserved", now)),
        ]
    elif status == "reserved":
        arms = [("item.status = {} AND item.reserved_until > {}", ("reserved", now))]
    elif status != "any":
        if status not in Status.__members__:
            raise Invalid(f"Unknown status {status!r}: one of {', '.join(Status)} or any.", field="status")
        arms = [("item.status = {}", (status,))]
    else:
        arms = [("", ())]
    if filters.category:
        category = await _CATEGORY_ID.first(filters.category)
        if category is None:
            raise Invalid(f"Unknown category {filters.category!r}.", field="category")
        where("item.category = {}", category["id"])
    if filters.workshop:
        workshop = await _WORKSHOP_ID.first(filters.workshop)
        if workshop is None:
            raise Invalid(f"Unknown workshop {filters.workshop!r}.", field="workshop")
        where("item.workshop = {}", workshop["id"])
    if filters.min_length_mm or filters.min_width_mm:
        # A panel can be turned: "at least 600 x 400" accepts 400 x 600.
        a, b = filters.min_length_mm or 0, filters.min_width_mm or 0
        where(
            "((item.length_mm >= {} AND item.width_mm >= {}) OR (item.length_mm >= {} AND item.width_mm >= {}))",
            a,
            b,
            b,
            a,
        )
    if filters.thickness_mm:
        where("item.thickness_mm = {}", filters.thickness_mm)
    words = words_of(filters.q)
    if words:
        # Every word somewhere: the folded title or note, the code, or a category's name.
        categories = await _CATEGORY_NAMES.rows()
        for word in words:
            pattern = _like_pattern(word)
            ids = matching_categories(word, categories)
            in_category = f" OR item.category IN ({', '.join('{}' for _ in ids)})" if ids else ""
            where(
                "(COALESCE(item.search, LOWER(item.title || ' ' || item.note)) LIKE {} ESCAPE '\\' "
                "OR item.code LIKE UPPER({}) ESCAPE '\\'" + in_category + ")",
                pattern,
                pattern,
                *ids,
            )
    if filters.fit:
        length, width, thickness = parse_fit(filters.fit)
        where("item.thickness_mm = {}", thickness)
        where(
            "((item.length_mm >= {} AND item.width_mm >= {}) OR (item.length_mm >= {} AND item.width_mm >= {}))",
            length,
            width,
            width,
            length,
        )
    return arms, clauses, args


async def count_items(filters: ItemFilters) -> int:
    """How many items the list's filters keep, over every page."""
    arms, clauses, args = await _list_conditions(filters, now_utc())
    selects: list[str] = []
    values: list[Any] = []
    for condition, condition_args in arms:
        conditions = [condition, *clauses] if condition else clauses
        selects.append("SELECT COUNT(*) AS n FROM item" + (" WHERE " + " AND ".join(conditions) if conditions else ""))
        values += [*condition_args, *args]
    rows = await Item.raw(f"SELECT SUM(n) AS total FROM ({' UNION ALL '.join(selects)}) AS counts", *values)
    return int(rows[0]["total"] or 0) if rows else 0


async def list_items(filters: ItemFilters, viewer: Actor | None) -> schemas.ItemPage:
    """Newest first, or with `fit` the pieces a part can be cut from, least leftover first.

    Keyset pagination: the cursor carries the last row's sort key, so pages stay stable
    while items come and go. The pages skip `offset` rows instead (numbered pages of a lieu's
    list; the API keeps its cursor)."""
    now = now_utc()
    if not 1 <= filters.limit <= MAX_LIMIT:
        raise Invalid(f"limit must be between 1 and {MAX_LIMIT}.", field="limit")
    if not 0 <= filters.offset <= MAX_OFFSET:
        raise Invalid(f"offset must be between 0 and {MAX_OFFSET}.", field="offset")
    arms, clauses, args = await _list_conditions(filters, now)

    def where(sql: str, *values: Any) -> None:
        clauses.append(sql)
        args.extend(values)

    if filters.fit:
        sort = "item.length_mm * item.width_mm"
        if filters.cursor:
            area, last_id = _decode_cursor(filters.cursor, 2)
            where(f"({sort} > {{}} OR ({sort} = {{}} AND item.id > {{}}))", area, area, last_id)
        order, page_order = f"{sort} ASC, item.id ASC", "sort_key ASC, id ASC"
    else:
        sort = "item.id"
        if filters.cursor:
            (last_id,) = _decode_cursor(filters.cursor, 1)
            where("item.id < {}", last_id)
        order, page_order = "item.id DESC", "id DESC"

    # One query: the page's ids in order (on the item table alone), then their rows with the joins.
    size = filters.limit + 1
    skip = filters.offset
    selects: list[str] = []
    values: list[Any] = []
    for n, (condition, condition_args) in enumerate(arms):
        conditions = [condition, *clauses] if condition else clauses
        selects.append(
            f"SELECT * FROM (SELECT item.id AS id, {sort} AS sort_key FROM item"
            + (" WHERE " + " AND ".join(conditions) if conditions else "")
            + f" ORDER BY {order} LIMIT {size + skip}) AS arm{n}"
        )
        values += [*condition_args, *args]
    page = f"SELECT id FROM ({' UNION ALL '.join(selects)}) AS page ORDER BY {page_order} LIMIT {size} OFFSET {skip}"
    rows = await _ITEMS.rows_with(f"WHERE item.id IN ({page}) ORDER BY {order}", *values)
    more = len(rows) > filters.limit
    ordered = rows[: filters.limit]
    next_cursor = None
    if more and ordered:
        last = ordered[-1]
        next_cursor = _encode_cursor(
            [last["length_mm"] * last["width_mm"], last["id"]] if filters.fit else [last["id"]]
        )
    return schemas.ItemPage(items=[item_out(row, viewer, now) for row in ordered], next_cursor=next_cursor)


# ---------------------------------------------------------------------------------------------
# Idempotency: the same key again returns the first answer and writes nothing.


@dataclass(frozen=True)
class Answer:
    status_code: int
    body: bytes


@dataclass(frozen=True)
class IdempotencyRequest:
    key: str
    request_hash: str

    @classmethod
    def of(cls, key: str | None, method: str, path: str, body: bytes) -> IdempotencyRequest | None:
        if key is None:
            return None
        key = key.strip()
        if not 1 <= len(key) <= 200:
            raise Invalid("An Idempotency-Key has 1 to 200 characters.", field="Idempotency-Key")
        digest = hashlib.sha256(f"{method} {path}\n".encode() + body).hexdigest()
        return cls(key=key, request_hash=digest)


def _replay(row: dict, request: IdempotencyRequest) -> Answer:
    if row["request_hash"] != request.request_hash:
        raise Invalid("This Idempotency-Key was already used for another request.", field="Idempotency-Key")
    return Answer(row["status_code"], row["response_body"].encode())


async def _stored_answer(actor: Actor, request: IdempotencyRequest) -> dict | None:
    return (
        await IdempotencyKey.select()
        .where((IdempotencyKey.member == actor.id) & (IdempotencyKey.key == request.key))
        .first()
    )


async def run_action(
    actor: Actor,
    idempotency: IdempotencyRequest | None,
    status_code: int,
    work: Callable[[], Awaitable[msgspec.Struct]],
) -> Answer:
    """Run `work` in one write transaction, with its Idempotency-Key claimed in the same one.

    The key is claimed first: a second request with the same key waits on the unique index
    until the first commits, then replays its answer instead of acting again."""
    if idempotency is not None and (row := await _stored_answer(actor, idempotency)):
        return _replay(row, idempotency)
    engine = Item._meta.db
    try:
        async with write_transaction(engine):
            if idempotency is not None:
                claim = await IdempotencyKey.insert(
                    IdempotencyKey(
                        member=actor.id,
                        key=idempotency.key,
                        request_hash=idempotency.request_hash,
                        status_code=0,
                        response_body="",
                    )
                ).returning(IdempotencyKey.id)
            body = msgspec.json.encode(await work())
            if idempotency is not None:
                await IdempotencyKey.update(
                    {IdempotencyKey.status_code: status_code, IdempotencyKey.response_body: body.decode()}
                ).where(IdempotencyKey.id == claim[0]["id"])
    except Exception as error:
        if idempotency is not None and _unique_violation(error) and (row := await _stored_answer(actor, idempotency)):
            return _replay(row, idempotency)
        if _unique_violation(error):
            raise Conflict("Someone else did the same at the same moment; look again.") from error
        raise
    return Answer(status_code, body)


# ---------------------------------------------------------------------------------------------
# Writing


_CATEGORY = Prepared(Category, lambda slug: Category.select().where(Category.slug == slug).limit(1), 1)
_WORKSHOP = Prepared(Workshop, lambda slug: Workshop.select().where(Workshop.slug == slug).limit(1), 1)
_ITEM_ID_BY_CODE = Prepared(Item, lambda code: Item.select(Item.id).where(Item.code == code).limit(1), 1)
_BLANK_ID_BY_CODE = Prepared(
    BlankCode, lambda code: BlankCode.select(BlankCode.id).where(BlankCode.code == code).limit(1), 1
)


_CATEGORY_AND_WORKSHOP = PreparedSQL(
    Category,
    'SELECT "category"."id" AS category_id, "category"."density_kg_m3" AS density_kg_m3,'
    ' (SELECT "workshop"."id" FROM "workshop" WHERE "workshop"."slug" = ?) AS workshop_id'
    ' FROM "category" WHERE "category"."slug" = ? LIMIT 1',
)
_INSERT_ITEM = PreparedInsert(Item)
_INSERT_EVENT = PreparedInsert(Event)


async def _category(slug: str) -> dict:
    row = await _CATEGORY.first(slug)
    if row is None:
        raise Invalid(f"Unknown category {slug!r}.", field="category")
    return row


async def _workshop(slug: str) -> dict:
    row = await _WORKSHOP.first(slug)
    if row is None:
        raise Invalid(f"Unknown workshop {slug!r}.", field="workshop")
    return row


def _estimate(weighed_g, length, width, thickness, quantity, density) -> tuple[int | None, str | None]:
    if weighed_g is None and density is None:
        return None, None  # cardboard, textiles...: weigh rather than estimate
    return resolve_mass(weighed_g, length, width, thickness, quantity, density or 0)


# Whether a code is taken by an item or a printed blank, in one round trip.
_CODE_TAKEN = PreparedSQL(
    Item,
    'SELECT EXISTS (SELECT 1 FROM "item" WHERE "code" = ?) AS item,'
    ' EXISTS (SELECT 1 FROM "blank_code" WHERE "code" = ?) AS blank',
)


async def fresh_code() -> str:
    """A new random code that no item and no printed blank holds."""
    for _ in range(20):
        code = new_code()
        row = await _CODE_TAKEN.first(code, code)
        if not row["item"] and not row["blank"]:
            return code
    raise RuntimeError("could not draw a free code")  # 32^7 codes: never in practice


def _event(item_id: int, kind: EventKind, occurred_at: datetime, actor: Actor | None, row: dict, **fields) -> Event:
    return Event(
        item=item_id,
        kind=kind.value,
        occurred_at=occurred_at,
        recorded_at=now_utc(),
        member=actor.id if actor else None,
        workshop=fields.pop("workshop", row["workshop"]),
        category=fields.pop("category", row["category"]),
        mass_g=fields.pop("mass_g", row["mass_g"]),
        data=json.dumps(fields.pop("data", {})),
        **fields,
    )


async def intake(actor: Actor, data: schemas.ItemCreate) -> schemas.ItemOut:
    """Log an offcut in. Runs inside run_action's transaction."""
    now = now_utc()
    next_status(Action.intake, Status.available, role=actor.role, actor_id=actor.id, holder_id=None)
    occurred_at = data.occurred_at or now
    check_occurred_at(occurred_at, now=now, previous=None, role=actor.role)
    # The category and the workshop in one round trip; unknown ones refused in that order.
    found = await _CATEGORY_AND_WORKSHOP.first(data.workshop, data.category)
    if found is None:
        raise Invalid(f"Unknown category {data.category!r}.", field="category")
    if found["workshop_id"] is None:
        raise Invalid(f"Unknown workshop {data.workshop!r}.", field="workshop")
    category = {"id": found["category_id"], "density_kg_m3": found["density_kg_m3"]}
    workshop = {"id": found["workshop_id"]}
    mass_g, source = _estimate(
        None if data.mass_kg is None else g_from_kg(data.mass_kg),
        data.length_mm,
        data.width_mm,
        data.thickness_mm,
        data.quantity,
        category["density_kg_m3"],
    )
    if data.code is not None:
        code = parse_code(data.code)
        if await _ITEM_ID_BY_CODE.first(code) is not None:
            raise Conflict(f"The code {code} is already claimed by another item.")
    else:
        code = await fresh_code()
    fields = dict(
        code=code,
        category=category["id"],
        title=data.title.strip(),
        length_mm=data.length_mm,
        width_mm=data.width_mm,
        thickness_mm=data.thickness_mm,
        quantity=data.quantity,
        mass_g=mass_g,
        mass_source=source,
        condition=data.condition,
        origin=data.origin,
        note=data.note,
        status=Status.available.value,
        workshop=workshop["id"],
        created_at=occurred_at,
        last_event_at=occurred_at,
        search=search_text(data.title.strip(), data.note),
    )
    # Prepared inserts: every column written, with the values Item(**fields) and _event() give.
    item_id = await _INSERT_ITEM.run(
        {**fields, "parent": None, "reserved_by": None, "reserved_until": None, "photo": None, "version": 0}
    )
    await _INSERT_EVENT.run(
        {
            "item": item_id,
            "kind": EventKind.intake.value,
            "occurred_at": occurred_at,
            "recorded_at": now_utc(),
            "member": actor.id,
            "workshop": fields["workshop"],
            "from_workshop": None,
            "category": fields["category"],
            "from_category": None,
            "mass_g": mass_g,
            "mass_before_g": None,
            "loss_g": None,
            "note": data.note,
            "data": "{}",
        }
    )
    return item_out(await _item_row(code), actor, now)


async def _expire(row: dict, at: datetime) -> dict:
    """Write the release a reservation over by `at` is owed, dated at its expiry."""
    if effective_status(row, at) is Status.reserved or row["status"] != Status.reserved:
        return row
    until = row["reserved_until"]
    changed = (
        await Item.update(
            {
                Item.status: Status.available.value,
                Item.reserved_by: None,
                Item.reserved_until: None,
                Item.last_event_at: until,
                Item.version: row["version"] + 1,
            }
        )
        .where((Item.id == row["id"]) & (Item.version == row["version"]))
        .returning(Item.id)
    )
    if not changed:
        raise Conflict("Someone else acted on this item at the same moment; look again.")
    await Event.insert(_event(row["id"], EventKind.release, until, None, row, note="reservation expired"))
    return await _item_row(row["code"])


async def expire_reservations(now: datetime | None = None) -> int:
    """Release every reservation past its expiry; returns how many."""
    now = now or now_utc()
    due = await Item.select(Item.code).where((Item.status == Status.reserved.value) & (Item.reserved_until <= now))
    released = 0
    for row in due:
        try:
            async with write_transaction(Item._meta.db):
                before = await _item_row(row["code"])
                after = await _expire(before, now)
                released += after is not before
        except Conflict:
            continue  # someone acted on it meanwhile; their action wrote the release
    return released


@dataclass
class Change:
    """What an action does to the item row and what its event records."""

    item: dict[Any, Any]
    event: dict[str, Any]


async def _act(
    actor: Actor,
    raw_code: str,
    action: Action,
    occurred_at: datetime | None,
    change: Callable[[dict, Status, datetime], Awaitable[Change]],
    rule_role: Role | None = None,
) -> dict:
    """The common path of every action on an existing item; runs inside run_action's transaction.

    `rule_role` stands in for the actor's role in the transition rules, for a step that
    another, already checked action implies (the cut in "I used part of it")."""
    now = now_utc()
    when = occurred_at or now
    # Over by the time of this action (a backdated one may come before the expiry).
    row = await _expire(await _item_row(parse_code(raw_code)), when)
    status = next_status(
        action, Status(row["status"]), role=rule_role or actor.role, actor_id=actor.id, holder_id=row["reserved_by"]
    )
    check_occurred_at(when, now=now, previous=row["last_event_at"], role=actor.role)
    done = await change(row, status, when)
    changed = (
        await Item.update(
            {
                Item.status: status.value,
                Item.last_event_at: when,
                Item.version: row["version"] + 1,
                **done.item,
            }
        )
        .where((Item.id == row["id"]) & (Item.version == row["version"]))
        .returning(Item.id)
    )
    if not changed:
        raise Conflict("Someone else acted on this item at the same moment; look again.")
    after = {**row, **{column._meta.name: value for column, value in done.item.items()}}
    await Event.insert(_event(row["id"], EventKind(action.value), when, actor, after, **done.event))
    return row


async def move(actor: Actor, raw_code: str, body: schemas.MoveIn) -> schemas.ItemOut:
    async def change(row, status, when):
        target = await _workshop(body.workshop)
        if target["id"] == row["workshop"]:
            raise Invalid(f"This item is already in {target['name']}.", field="workshop")
        return Change(
            {Item.workshop: target["id"]},
            {"workshop": target["id"], "from_workshop": row["workshop"], "note": body.note},
        )

    row = await _act(actor, raw_code, Action.move, body.occurred_at, change)
    return item_out(await _item_row(row["code"]), actor, now_utc())


async def reserve(actor: Actor, raw_code: str, body: schemas.ReserveIn) -> schemas.ItemOut:
    async def change(row, status, when):
        # A backdated reservation may already be over: the expiry then writes its release.
        until = when + timedelta(hours=body.hours or DEFAULT_RESERVATION_HOURS)
        return Change(
            {Item.reserved_by: actor.id, Item.reserved_until: until},
            {"note": body.note, "data": {"until": until.isoformat()}},
        )

    row = await _act(actor, raw_code, Action.reserve, body.occurred_at, change)
    return item_out(await _item_row(row["code"]), actor, now_utc())


async def _ending(actor: Actor, raw_code: str, action: Action, occurred_at, note: str, data: dict) -> schemas.ItemOut:
    async def change(row, status, when):
        return Change({Item.reserved_by: None, Item.reserved_until: None}, {"note": note, "data": data})

    row = await _act(actor, raw_code, action, occurred_at, change)
    return item_out(await _item_row(row["code"]), actor, now_utc())


async def release(actor: Actor, raw_code: str, body: schemas.ReleaseIn) -> schemas.ItemOut:
    return await _ending(actor, raw_code, Action.release, body.occurred_at, body.note, {})


async def use(actor: Actor, raw_code: str, body: schemas.UseIn) -> schemas.ItemOut:
    data = {"project": body.project} if body.project else {}
    return await _ending(actor, raw_code, Action.use, body.occurred_at, body.note, data)


async def recycle(actor: Actor, raw_code: str, body: schemas.RecycleIn) -> schemas.ItemOut:
    data = {"channel": body.channel} if body.channel else {}
    return await _ending(actor, raw_code, Action.recycle, body.occurred_at, body.note, data)


async def discard(actor: Actor, raw_code: str, body: schemas.DiscardIn) -> schemas.ItemOut:
    return await _ending(actor, raw_code, Action.discard, body.occurred_at, body.note, {})


async def adjust(actor: Actor, raw_code: str, body: schemas.AdjustIn) -> schemas.ItemOut:
    if not body.note.strip():
        raise Invalid("An adjustment says why in a note.", field="note")

    async def change(row, status, when):
        updates: dict[Any, Any] = {}
        before: dict[str, Any] = {}
        for name in ("title", "length_mm", "width_mm", "thickness_mm"):
            value = getattr(body, name)
            if value is not None and value != row[name]:
                updates[getattr(Item, name)] = value
                before[name] = row[name]
        if Item.title in updates:
            updates[Item.search] = search_text(body.title, row["note"])
        category_id, density = row["category"], None
        if body.category is not None:
            category = await _category(body.category)
            if category["id"] != row["category"]:
                updates[Item.category] = category_id = category["id"]
                before["category"] = row["category_slug"]
            density = category["density_kg_m3"]
        else:
            density = (await Category.select(Category.density_kg_m3).where(Category.id == row["category"]).first())[
                "density_kg_m3"
            ]
        dims = {name: updates.get(getattr(Item, name), row[name]) for name in ("length_mm", "width_mm", "thickness_mm")}
        if body.mass_kg is not None:
            mass_g, source = g_from_kg(body.mass_kg), "weighed"
        elif row["mass_source"] == "weighed":
            mass_g, source = row["mass_g"], "weighed"  # a weighing stays true when a label is corrected
        else:
            mass_g, source = _estimate(None, *dims.values(), row["quantity"], density)
        if mass_g != row["mass_g"] or source != row["mass_source"]:
            updates[Item.mass_g], updates[Item.mass_source] = mass_g, source
            before["mass_kg"] = kg(row["mass_g"])
        if not updates:
            raise Invalid("This adjustment changes nothing.", field="note")
        return Change(
            updates,
            {
                "category": category_id,
                "from_category": row["category"],
                "mass_g": mass_g,
                "mass_before_g": row["mass_g"],
                "note": body.note,
                "data": {"before": before},
            },
        )

    row = await _act(actor, raw_code, Action.adjust, body.occurred_at, change)
    return item_out(await _item_row(row["code"]), actor, now_utc())


async def split(
    actor: Actor, raw_code: str, body: schemas.SplitIn, *, rule_role: Role | None = None
) -> schemas.SplitOut:
    pieces: list[dict] = []

    async def change(row, status, when):
        if row["mass_g"] is None:
            raise Invalid("This item has no mass yet: weigh it (adjust) before cutting it.", field="pieces")
        density = (await Category.select(Category.density_kg_m3).where(Category.id == row["category"]).first())[
            "density_kg_m3"
        ]
        specs = [
            PieceSpec(
                length_mm=p.length_mm,
                width_mm=p.width_mm,
                thickness_mm=p.thickness_mm,
                quantity=p.quantity,
                mass_g=None if p.mass_kg is None else g_from_kg(p.mass_kg),
                title=p.title,
            )
            for p in body.pieces
        ]
        if density is None and row["length_mm"] is None and any(s.mass_g is None for s in specs):
            raise Invalid("This material is weighed, not estimated: give each piece its mass_kg.", field="pieces")
        plan = plan_split(
            parent_mass_g=row["mass_g"],
            parent_length_mm=row["length_mm"],
            parent_width_mm=row["width_mm"],
            parent_thickness_mm=row["thickness_mm"],
            parent_quantity=row["quantity"],
            category_density_kg_m3=density or 0,
            pieces=specs,
        )
        for spec, mass_g, source in zip(specs, plan.piece_masses_g, plan.piece_mass_sources):
            pieces.append(
                dict(
                    code=await fresh_code(),
                    category=row["category"],
                    title=spec.title or row["title"],
                    length_mm=spec.length_mm,
                    width_mm=spec.width_mm,
                    thickness_mm=spec.thickness_mm,
                    quantity=spec.quantity,
                    mass_g=mass_g,
                    mass_source=source,
                    condition=row["condition"],
                    origin=row["origin"],
                    note="",
                    status=Status.available.value,
                    workshop=row["workshop"],
                    parent=row["id"],
                    created_at=when,
                    last_event_at=when,
                    search=search_text(spec.title or row["title"], ""),
                )
            )
        return Change(
            {Item.reserved_by: None, Item.reserved_until: None},
            {"loss_g": plan.loss_g, "note": body.note, "data": {"pieces": [p["code"] for p in pieces]}},
        )

    parent = await _act(actor, raw_code, Action.split, body.occurred_at, change, rule_role)
    for fields in pieces:
        piece_id = (await Item.insert(Item(**fields)).returning(Item.id))[0]["id"]
        await Event.insert(
            _event(piece_id, EventKind.piece, fields["created_at"], actor, fields, data={"parent": parent["code"]})
        )
    now = now_utc()
    loss_g = parent["mass_g"] - sum(p["mass_g"] for p in pieces)
    return schemas.SplitOut(
        parent=item_out(await _item_row(parent["code"]), actor, now),
        pieces=[item_out(await _item_row(p["code"]), actor, now) for p in pieces],
        loss_kg=loss_g / 1000,
        labels_url=f"{get_settings().base_url}/api/v1/labels.pdf?codes={','.join(p['code'] for p in pieces)}",
    )


async def use_part(actor: Actor, raw_code: str, body: schemas.UsePartIn) -> schemas.UsePartOut:
    """ "I used part of it": a split into the part used and the rest, then a `use` of the part.

    Whoever may use the item may cut it this way (a member too): the cut is part of the use."""
    code = parse_code(raw_code)
    row = await _item_row(code)
    when = body.occurred_at or now_utc()
    status = effective_status(row, when)
    next_status(Action.use, status, role=actor.role, actor_id=actor.id, holder_id=row["reserved_by"])
    if status is Status.reserved:  # the holder's own reservation ends with the cut
        await release(actor, code, schemas.ReleaseIn(occurred_at=body.occurred_at))
    cut = await split(
        actor,
        code,
        schemas.SplitIn(pieces=[body.used, *body.rest], occurred_at=body.occurred_at, note=body.note),
        rule_role=Role.steward,
    )
    used = await use(
        actor, cut.pieces[0].code, schemas.UseIn(project=body.project, note=body.note, occurred_at=body.occurred_at)
    )
    rest = cut.pieces[1:]
    return schemas.UsePartOut(
        parent=item_out(await _item_row(code), actor, now_utc()),
        used=used,
        rest=rest,
        loss_kg=cut.loss_kg,
        labels_url=f"{get_settings().base_url}/api/v1/labels.pdf?codes={','.join(p.code for p in rest)}",
    )


ACTIONS: dict[Action, Callable] = {
    Action.move: move,
    Action.reserve: reserve,
    Action.release: release,
    Action.use: use,
    Action.recycle: recycle,
    Action.discard: discard,
    Action.adjust: adjust,
    Action.split: split,
}
