"""The lieu area's SQL: the lieux, their workshops, the members' roles in them (memberships) and
the categories. Piccolo's query builder throughout; the factor sets a category's factors come
from are the figures' (exchange/figures/queries.py)."""

from __future__ import annotations

from exchange.db import Prepared
from exchange.tables import Category, Lieu, Membership, Workshop

LIEU_COLUMNS = (
    Lieu.slug,
    Lieu.name,
    Lieu.city,
    Lieu.latitude,
    Lieu.longitude,
    Lieu.time_zone,
    Lieu.shares_with_network,
    Lieu.language,
)


# -- lieux


async def lieux() -> list[dict]:
    """Every lieu (LIEU_COLUMNS), in the order they were added."""
    return await Lieu.select(*LIEU_COLUMNS).order_by(Lieu.id)


async def lieu_exists(slug: str) -> bool:
    return await Lieu.exists().where(Lieu.slug == slug)


async def insert_lieu(values: dict) -> None:
    await Lieu.insert(Lieu(**values))


async def lieu_ids() -> dict[str, int]:
    return {row["slug"]: row["id"] for row in await Lieu.select(Lieu.id, Lieu.slug).order_by(Lieu.id)}


async def first_lieu() -> dict | None:
    """The first lieu's id, slug, time zone and language (None before migration m0009)."""
    return await Lieu.select(Lieu.id, Lieu.slug, Lieu.time_zone, Lieu.language).order_by(Lieu.id).first()


async def lieu_id_of(slug: str) -> int | None:
    row = await Lieu.select(Lieu.id).where(Lieu.slug == slug).first()
    return row and row["id"]


async def lieu_slug_of(lieu: int) -> str | None:
    row = await Lieu.select(Lieu.slug).where(Lieu.id == lieu).first()
    return row and row["slug"]


async def lieu_count() -> int:
    return await Lieu.count()


# Built once (exchange.db.Prepared): the list and a steward's item page (where a piece may be
# moved or transferred) read these; Piccolo building the select cost 20 times the lookup
# (list_workshops: 732 µs with the select built each run, 53 µs prepared; SQLite, loaded machine, 2026-12-01).
_LIEU_NAMES = Prepared(Lieu, lambda: Lieu.select(Lieu.slug, Lieu.name), 0)
_WORKSHOPS_WITH_LIEU = Prepared(
    Workshop,
    lambda: Workshop.select(Workshop.slug, Workshop.name, Workshop.lieu.slug.as_alias("lieu")).order_by(Workshop.name),
    0,
)


async def lieu_names() -> dict[str, str]:
    """Every lieu's name by its slug."""
    return {row["slug"]: row["name"] for row in await _LIEU_NAMES.rows()}


async def lieu_position(lieu: int) -> tuple[float, float] | None:
    """(latitude, longitude) of a lieu; None when it has no position."""
    row = await Lieu.select(Lieu.latitude, Lieu.longitude).where(Lieu.id == lieu).first()
    if row is None or row["latitude"] is None or row["longitude"] is None:
        return None
    return row["latitude"], row["longitude"]


async def positioned_lieux() -> list[dict]:
    """id, latitude and longitude of every lieu that has a position."""
    rows = await Lieu.select(Lieu.id, Lieu.latitude, Lieu.longitude).where(Lieu.latitude.is_not_null())
    return [row for row in rows if row["longitude"] is not None]


async def sharing_of(slug: str) -> dict | None:
    """id and shares_with_network of the lieu `slug`."""
    return await Lieu.select(Lieu.id, Lieu.shares_with_network).where(Lieu.slug == slug).first()


async def time_zones() -> list[dict]:
    """id, slug and time_zone of every lieu, in the order they were added."""
    return await Lieu.select(Lieu.id, Lieu.slug, Lieu.time_zone).order_by(Lieu.id)


# -- workshops


async def workshops_with_lieu() -> list[dict]:
    """slug, name and lieu (its slug; None when written without one) of every workshop, by name."""
    return await _WORKSHOPS_WITH_LIEU.rows()


async def workshop_lieu_ids() -> list[dict]:
    """id and lieu (its id, or None) of every workshop."""
    return await Workshop.select(Workshop.id, Workshop.lieu)


async def workshop_slugs_by_id() -> dict[int, str]:
    return {r["id"]: r["slug"] for r in await Workshop.select(Workshop.id, Workshop.slug).order_by(Workshop.slug)}


async def workshop_exists(slug: str) -> bool:
    return await Workshop.exists().where(Workshop.slug == slug)


async def insert_workshop(slug: str, name: str, lieu: int) -> None:
    await Workshop.insert(Workshop(slug=slug, name=name, lieu=lieu))


# -- memberships


async def set_role(member_id: int, lieu: int, role: str) -> None:
    """The member's role in the lieu, added or changed (inside the caller's transaction)."""
    updated = (
        await Membership.update({Membership.role: role})
        .where((Membership.member == member_id) & (Membership.lieu == lieu))
        .returning(Membership.id)
    )
    if not updated:
        await Membership.insert(Membership(member=member_id, lieu=lieu, role=role))


# -- categories


async def categories() -> list[dict]:
    """Every category's row, by name."""
    return await Category.select().order_by(Category.name)


async def category_ids() -> dict[str, int]:
    return {row["slug"]: row["id"] for row in await Category.select(Category.id, Category.slug)}


async def categories_by_id() -> dict[int, dict]:
    """id, slug and density of every category, by slug."""
    rows = await Category.select(Category.id, Category.slug, Category.density_kg_m3).order_by(Category.slug)
    return {r["id"]: r for r in rows}


async def category_named(slug: str) -> dict | None:
    return (
        await Category.select(Category.id, Category.slug, Category.name, Category.name_fr)
        .where(Category.slug == slug)
        .first()
    )


async def insert_category(slug: str, name: str, name_fr: str, density_kg_m3: float | None) -> int:
    rows = await Category.insert(
        Category(slug=slug, name=name, name_fr=name_fr, density_kg_m3=density_kg_m3)
    ).returning(Category.id)
    return rows[0]["id"]
