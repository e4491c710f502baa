"""Small read-only lookups the pages need that the services do not offer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timezone

from exchange.settings import get_settings
from exchange.tables import Category, Event, Item, Member, Workshop


@dataclass(frozen=True)
class CategoryRow:
    slug: str
    name: str
    name_fr: str
    density_kg_m3: float | None

    def label(self, lang: str) -> str:
        return self.name_fr if lang == "fr" else self.name


async def categories() -> list[CategoryRow]:
    rows = await Category.select(Category.slug, Category.name, Category.name_fr, Category.density_kg_m3)
    return [CategoryRow(**row) for row in rows]


async def category_names(lang: str) -> dict[str, str]:
    return {row.slug: row.label(lang) for row in await categories()}


async def workshop_names() -> dict[str, str]:
    return {row["slug"]: row["name"] for row in await Workshop.select(Workshop.slug, Workshop.name).order_by(Workshop.name)}


async def holder_id(code: str) -> int | None:
    row = await Item.select(Item.reserved_by).where(Item.code == code).first()
    return row["reserved_by"] if row else None


async def reserved_codes(member_id: int) -> list[str]:
    """The codes a member holds now (a reservation past its expiry is over)."""
    now = datetime.now(timezone.utc)
    rows = (
        await Item.select(Item.code)
        .where((Item.reserved_by == member_id) & (Item.status == "reserved") & (Item.reserved_until > now))
        .order_by(Item.reserved_until)
    )
    return [row["code"] for row in rows]


async def codes_logged_today() -> list[str]:
    """Every code recorded today in the lieu's time zone (backdated ones too): intakes and pieces of splits."""
    tz = get_settings().tz
    start = datetime.combine(datetime.now(tz).date(), time(0), tzinfo=tz).astimezone(timezone.utc)
    rows = (
        await Event.select(Event.item.code.as_alias("code"))
        .where(Event.kind.is_in(["intake", "piece"]) & (Event.recorded_at >= start))
        .order_by(Event.id)
    )
    return list(dict.fromkeys(row["code"] for row in rows))


async def member_rows() -> list[dict]:
    return await Member.select(Member.id, Member.email, Member.name, Member.role, Member.active).order_by(Member.name)
