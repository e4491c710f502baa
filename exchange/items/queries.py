"""The items area's SQL: the item with its names, its events, the lookups by slug and by code,
and the prepared inserts of intake. Each select is built once (exchange.db.Prepared)."""

from __future__ import annotations

from datetime import datetime

from exchange.db import Prepared, PreparedInsert, PreparedSQL, is_sqlite
from exchange.ledger.rules import NotFound, Status
from exchange.messages import _
from exchange.tables import BlankCode, Category, Event, Item, Member, Workshop

ITEM_COLUMNS = (
    *Item.all_columns(),
    Item.category.slug.as_alias("category_slug"),
    Item.workshop.slug.as_alias("workshop_slug"),
    Item.parent.code.as_alias("parent_code"),
    Item.reserved_by.name.as_alias("holder_name"),
)


# Built once: the select with its joins costs more to build than to run.
ITEM_BY_CODE = Prepared(Item, lambda code: Item.select(*ITEM_COLUMNS).where(Item.code == code).limit(1), 1)


async def item_row(code: str) -> dict:
    row = await ITEM_BY_CODE.first(code)
    if row is None:
        raise NotFound(_("No item holds the code %(code)s.", code=code))
    return row


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
WORKSHOP = Prepared(Workshop, lambda slug: Workshop.select().where(Workshop.slug == slug).limit(1), 1)
ITEM_ID_BY_CODE = Prepared(Item, lambda code: Item.select(Item.id).where(Item.code == code).limit(1), 1)


CATEGORY_AND_WORKSHOP = PreparedSQL(
    Category,
    'SELECT "category"."id" AS category_id, "category"."density_kg_m3" AS density_kg_m3,'
    ' (SELECT "workshop"."id" FROM "workshop" WHERE "workshop"."slug" = {}) AS workshop_id'
    ' FROM "category" WHERE "category"."slug" = {} LIMIT 1',
    2,
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
_LOCK_MEMBER = PreparedSQL(Member, "SELECT id FROM member WHERE id = {} FOR UPDATE", 1)


async def reservations_held(member_id: int, when: datetime) -> int:
    if not is_sqlite(Item._meta.db):
        await _LOCK_MEMBER.rows(member_id)
    return await Item.count().where(
        (Item.reserved_by == member_id) & (Item.status == Status.reserved.value) & (Item.reserved_until > when)
    )
