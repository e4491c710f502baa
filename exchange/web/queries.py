"""Small read-only lookups the pages need that the services do not offer."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from exchange.db import Prepared
from exchange.tables import Category, Event, IdempotencyKey, Item, Member, Workshop


@dataclass(frozen=True)
class CategoryRow:
    slug: str
    name: str
    name_fr: str
    density_kg_m3: float | None

    def label(self, lang: str) -> str:
        return self.name_fr if lang == "fr" else self.name


# Built once (exchange.db.Prepared): the scan page asks for these names on every view, and
# Piccolo building the selects cost more than reading the few rows. Not cached: another
# worker may add a workshop or a category at any time.
_CATEGORIES = Prepared(
    Category, lambda: Category.select(Category.slug, Category.name, Category.name_fr, Category.density_kg_m3), 0
)
_CATEGORY_NAMES = Prepared(Category, lambda: Category.select(Category.slug, Category.name, Category.name_fr), 0)
_WORKSHOP_NAMES = Prepared(Workshop, lambda: Workshop.select(Workshop.slug, Workshop.name).order_by(Workshop.name), 0)
_HOLDER = Prepared(Item, lambda code: Item.select(Item.reserved_by).where(Item.code == code).limit(1), 1)


async def categories() -> list[CategoryRow]:
    return [CategoryRow(**row) for row in await _CATEGORIES.rows()]


async def category_names(lang: str) -> dict[str, str]:
    key = "name_fr" if lang == "fr" else "name"
    return {row["slug"]: row[key] for row in await _CATEGORY_NAMES.rows()}


async def workshop_names() -> dict[str, str]:
    return {row["slug"]: row["name"] for row in await _WORKSHOP_NAMES.rows()}


async def holder_id(code: str) -> int | None:
    row = await _HOLDER.first(code)
    return row["reserved_by"] if row else None


async def reserved_codes(member_id: int) -> list[str]:
    """The codes a member holds now (a reservation past its expiry is over)."""
    now = datetime.now(UTC)
    rows = (
        await Item.select(Item.code)
        .where((Item.reserved_by == member_id) & (Item.status == "reserved") & (Item.reserved_until > now))
        .order_by(Item.reserved_until)
    )
    return [row["code"] for row in rows]


async def codes_logged_today(tz: ZoneInfo, workshops: frozenset[int] | None = None) -> list[str]:
    """Every code recorded today in the time zone `tz` (backdated ones too), at one of `workshops`
    (None: every workshop): intakes and pieces of splits, still in stock (a piece cut up or used
    since needs no label)."""
    start = datetime.combine(datetime.now(tz).date(), time(0), tzinfo=tz).astimezone(UTC)
    where = (
        Event.kind.is_in(["intake", "piece"])
        & (Event.recorded_at >= start)
        & Event.item.status.is_in(["available", "reserved"])
    )
    if workshops is not None:
        if not workshops:
            return []
        where &= Event.workshop.is_in(sorted(workshops))
    rows = await Event.select(Event.item.code.as_alias("code")).where(where).order_by(Event.id)
    return list(dict.fromkeys(row["code"] for row in rows))


async def member_rows() -> list[dict]:
    return await Member.select(Member.id, Member.email, Member.name, Member.role, Member.active).order_by(Member.name)


async def workshop_lieux() -> dict[str, str]:
    """Each workshop's lieu, by name (for a piece's journey across lieux)."""
    rows = await Workshop.select(Workshop.slug, Workshop.lieu.name.as_alias("lieu"))
    return {row["slug"]: row["lieu"] or "" for row in rows}


async def code_logged_with(member_id: int, key: str) -> str | None:
    """The code of the item a member's intake form logged under its key (None if it logged nothing)."""
    row = (
        await IdempotencyKey.select(IdempotencyKey.response_body)
        .where((IdempotencyKey.member == member_id) & (IdempotencyKey.key == key))
        .first()
    )
    try:
        code = json.loads(row["response_body"]).get("code") if row and row["response_body"] else None
    except ValueError:
        return None
    return code if isinstance(code, str) else None
