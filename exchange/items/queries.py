"""The items area's SQL: the item with its names, its events, the lookups by slug and by code,
the prepared inserts of intake, the conditional update every action makes, and the
Idempotency-Key store. The hot selects are built once (exchange.db.Prepared). The list's
query, whose SQL is assembled from the filters, is the one exception: it lives in listing.py."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from exchange.db import CoalescedReads, Prepared, PreparedInsert, PreparedSQL, is_sqlite
from exchange.ledger.rules import NotFound, Status
from exchange.messages import _
from exchange.tables import BlankCode, Category, Event, IdempotencyKey, Item, Member, Workshop

ITEM_COLUMNS = (
    *Item.all_columns(),
    Item.category.slug.as_alias("category_slug"),
    Item.workshop.slug.as_alias("workshop_slug"),
    Item.parent.code.as_alias("parent_code"),
    Item.reserved_by.name.as_alias("holder_name"),
    Item.workshop.lieu.as_alias("lieu_id"),
    Item.workshop.lieu.slug.as_alias("lieu_slug"),
    Item.workshop.lieu.shares_with_network.as_alias("lieu_shares"),
)


# Built once: the select with its joins costs more to build than to run.
ITEM_BY_CODE = Prepared(Item, lambda code: Item.select(*ITEM_COLUMNS).where(Item.code == code).limit(1), 1)


async def item_row(code: str) -> dict:
    row = await ITEM_BY_CODE.first(code)
    if row is None:
        raise NotFound(_("No item holds the code %(code)s.", code=code))
    return row


# What can change what an item's JSON or page shows, read without the joins and 30 columns of
# ITEM_BY_CODE: every event bumps the version; the photo and the holder's name change without
# one; the status as of now follows from status and reserved_until. 1 join instead of 6. The
# newest workshop and lieu: a steward's page lists where the item may go, and workshops and lieux
# are only ever added (never renamed, never deleted); the highest key of each is read off its
# primary key's index.
_REVISION_SELECT = (
    'SELECT "item"."id" AS "id", "item"."code" AS "code", "item"."version" AS "version",'
    ' "item"."status" AS "status", "item"."reserved_until" AS "reserved_until", "item"."photo" AS "photo",'
    ' "member"."name" AS "holder_name",'
    ' (SELECT MAX("id") FROM "workshop") AS "last_workshop", (SELECT MAX("id") FROM "lieu") AS "last_lieu"'
    ' FROM "item" LEFT JOIN "member" ON "member"."id" = "item"."reserved_by"'
)
ITEM_REVISION = PreparedSQL(Item, _REVISION_SELECT + ' WHERE "item"."code" = {} LIMIT 1', 1)
# PostgreSQL only: the revisions of the items asked in one turn of the event loop, in one statement
# (exchange/db/coalesced.py). Under `wrk -c32` (bench.floor --engine postgres, 2026-12-02) the item
# JSON went from 277 to 141 µs of server CPU a request (0.32 to 0.47 of the hello-world), the scan
# page from 339 to 163 µs (0.24 to 0.41).
ITEM_REVISIONS = PreparedSQL(Item, _REVISION_SELECT + ' WHERE "item"."code" = ANY({})', 1)
_REVISIONS = CoalescedReads(ITEM_REVISIONS.rows, column="code")


async def item_revision_row(code: str) -> dict:
    engine = Item._meta.db
    if engine.engine_type == "postgres" and not engine.transaction_exists():
        row = await _REVISIONS.one(code)
    else:  # SQLite reads it in a few µs (and rarely: exchange/items/present.py), a transaction on its own
        row = await ITEM_REVISION.first(code)
    if row is None:
        raise NotFound(_("No item holds the code %(code)s.", code=code))
    return row


async def set_photo(code: str, name: str) -> bool:
    """Point the item at a stored photo; whether an item holds the code. No new version: the
    photo is part of the item's revision (ITEM_REVISION) by itself."""
    return bool(await Item.update({Item.photo: name}).where(Item.code == code).returning(Item.id))


async def is_blank_code(code: str) -> bool:
    return await BlankCode.exists().where(BlankCode.code == code)


EVENTS_BY_CODE = Prepared(
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


ITEMS = Prepared(Item, lambda: Item.select(*ITEM_COLUMNS), 0)
CATEGORY_ID = Prepared(Category, lambda slug: Category.select(Category.id).where(Category.slug == slug).limit(1), 1)
CATEGORY_NAMES = Prepared(
    Category, lambda: Category.select(Category.id, Category.slug, Category.name, Category.name_fr), 0
)
WORKSHOP_ID = Prepared(Workshop, lambda slug: Workshop.select(Workshop.id).where(Workshop.slug == slug).limit(1), 1)
CATEGORY = Prepared(Category, lambda slug: Category.select().where(Category.slug == slug).limit(1), 1)
ITEM_ID_BY_CODE = Prepared(Item, lambda code: Item.select(Item.id).where(Item.code == code).limit(1), 1)


CATEGORY_AND_WORKSHOP = PreparedSQL(
    Category,
    'SELECT "category"."id" AS category_id, "category"."density_kg_m3" AS density_kg_m3,'
    ' (SELECT "workshop"."id" FROM "workshop" WHERE "workshop"."slug" = {}) AS workshop_id,'
    ' (SELECT "workshop"."lieu" FROM "workshop" WHERE "workshop"."slug" = {}) AS workshop_lieu'
    ' FROM "category" WHERE "category"."slug" = {} LIMIT 1',
    3,
)
# A workshop and its lieu (a move stays in the item's lieu, a transfer leaves it).
WORKSHOP = Prepared(
    Workshop,
    lambda slug: (
        Workshop.select(*Workshop.all_columns(), Workshop.lieu.slug.as_alias("lieu_slug"))
        .where(Workshop.slug == slug)
        .limit(1)
    ),
    1,
)
INSERT_ITEM = PreparedInsert(Item)
INSERT_EVENT = PreparedInsert(Event)


# Whether a code is taken by an item or a printed blank, in one round trip.
CODE_TAKEN = PreparedSQL(
    Item,
    'SELECT EXISTS (SELECT 1 FROM "item" WHERE "code" = {}) AS item,'
    ' EXISTS (SELECT 1 FROM "blank_code" WHERE "code" = {}) AS blank',
    2,
)


# A member's reservations still running at `when`, counted with the member's row locked on
# PostgreSQL (two reserves by one member at once then queue; SQLite's writers already do).
# NO KEY UPDATE, not UPDATE: an event's foreign key to its member takes KEY SHARE on the member's
# row, which FOR UPDATE blocks. A reserve (member locked, then the item) and a use by the same
# member on the same item (item updated, then its event) then waited on each other: a deadlock
# and a 500, seen once in fifty mixed actions on three workers (tests/test_hardening.py).
_LOCK_MEMBER = PreparedSQL(Member, "SELECT id FROM member WHERE id = {} FOR NO KEY UPDATE", 1)


async def reservations_held(member_id: int, when: datetime) -> int:
    if not is_sqlite(Item._meta.db):
        await _LOCK_MEMBER.rows(member_id)
    return await Item.count().where(
        (Item.reserved_by == member_id) & (Item.status == Status.reserved.value) & (Item.reserved_until > when)
    )


async def item_exists(code: str) -> bool:
    return await Item.exists().where(Item.code == code)


async def category_density(category_id: int) -> float | None:
    row = await Category.select(Category.density_kg_m3).where(Category.id == category_id).first()
    return row["density_kg_m3"]


async def codes_reserved_until(now: datetime) -> list[str]:
    """The codes of the reservations over by `now` whose release is not written yet."""
    rows = await Item.select(Item.code).where((Item.status == Status.reserved.value) & (Item.reserved_until <= now))
    return [row["code"] for row in rows]


async def update_item_if_version(item_id: int, version: int, changes: dict[Any, Any]) -> bool:
    """Write `changes` and the next version if the row is still at `version`; whether it was."""
    changed = (
        await Item.update({**changes, Item.version: version + 1})
        .where((Item.id == item_id) & (Item.version == version))
        .returning(Item.id)
    )
    return bool(changed)


async def insert_item(item: Item) -> int:
    return (await Item.insert(item).returning(Item.id))[0]["id"]


async def insert_event(event: Event) -> None:
    await Event.insert(event)


async def stored_answer(member_id: int, key: str) -> dict | None:
    return await (
        IdempotencyKey.select().where((IdempotencyKey.member == member_id) & (IdempotencyKey.key == key)).first()
    )


async def claim_key(member_id: int, key: str, request_hash: str) -> int:
    """The key claimed, with no answer yet; a second claim of it waits on the unique index."""
    row = IdempotencyKey(member=member_id, key=key, request_hash=request_hash, status_code=0, response_body="")
    return (await IdempotencyKey.insert(row).returning(IdempotencyKey.id))[0]["id"]


async def store_answer(claim_id: int, status_code: int, body: str) -> None:
    await IdempotencyKey.update({IdempotencyKey.status_code: status_code, IdempotencyKey.response_body: body}).where(
        IdempotencyKey.id == claim_id
    )


async def workshop_lieux() -> dict[int, int]:
    """Each workshop's lieu (a workshop written without one is the first lieu's)."""
    rows = await Workshop.raw(
        "SELECT id, COALESCE(lieu, (SELECT MIN(lieu.id) FROM lieu)) AS lieu FROM workshop ORDER BY id"
    )
    return {r["id"]: r["lieu"] for r in rows}
