"""The lieu's setup: workshops, categories and the factor sets."""

from __future__ import annotations

from exchange.auth.service import Actor
from exchange.categories import shipped_categories, shipped_factor_set
from exchange.db import write_transaction
from exchange.figures import queries as factor_queries
from exchange.ledger.rules import Forbidden, Invalid, Role
from exchange.lieu import queries, schemas
from exchange.lieu.lieux import SLUG, lieu_id
from exchange.messages import _
from exchange.tables import Category, Workshop


async def list_workshops(lieu: str | None = None) -> list[schemas.WorkshopOut]:
    """The workshops of every lieu, or of one (`lieu`, a slug), by name."""
    rows = await queries.workshops_with_lieu()
    first = None
    if any(row["lieu"] is None for row in rows):  # written without one (a bulk load): the first lieu's
        first = await queries.first_lieu()
    for row in rows:
        row["lieu"] = row["lieu"] or (first and first["slug"])
    return [schemas.WorkshopOut(**row) for row in rows if not lieu or row["lieu"] == lieu]


async def add_workshop(data: schemas.WorkshopCreate, actor: Actor | None = None) -> schemas.WorkshopOut:
    """A workshop in `data.lieu`, by default the actor's own lieu (or the first): a lieu's
    coordinator adds to their own lieu, a network coordinator to any."""
    if not SLUG.match(data.slug):
        raise Invalid(_("A slug is lower-case letters, digits and single hyphens, e.g. bois-1."), field="slug")
    lieu = await lieu_id(data.lieu, default=actor.lieu if actor is not None else None)
    if actor is not None and not actor.network and actor.role_in(lieu) != Role.coordinator:
        raise Forbidden(_("Only a coordinator of that lieu, or of the network, can add a workshop there."))
    async with write_transaction(Workshop._meta.db):
        if await queries.workshop_exists(data.slug):
            raise Invalid(_("A workshop with the slug '%(slug)s' already exists.", slug=data.slug), field="slug")
        await queries.insert_workshop(data.slug, data.name.strip(), lieu)
    return schemas.WorkshopOut(slug=data.slug, name=data.name.strip(), lieu=await queries.lieu_slug_of(lieu))


async def current_factor_set() -> dict | None:
    return await factor_queries.latest_factor_set()


async def list_categories(factor_set_version: str | None = None) -> list[schemas.CategoryOut]:
    factor_set = (
        await factor_queries.factor_set_named(factor_set_version) if factor_set_version else await current_factor_set()
    )
    factors: dict[tuple[int, str], dict] = {}
    if factor_set is not None:
        for row in await factor_queries.factors_of(factor_set["id"]):
            factors[(row["category"], row["kind"])] = row

    def factor(category_id: int, kind: str) -> schemas.FactorOut | None:
        row = factors.get((category_id, kind))
        if row is None:
            return None
        return schemas.FactorOut(
            value=row["value"],
            unit=row["unit"],
            source=row["source"],
            version=row["version"],
            entry=row["entry"],
            note=row["note"],
        )

    return [
        schemas.CategoryOut(
            slug=row["slug"],
            name=row["name"],
            name_fr=row["name_fr"],
            density_kg_m3=row["density_kg_m3"],
            reuse_factor=factor(row["id"], "reuse"),
            recycle_factor=factor(row["id"], "recycle"),
        )
        for row in await queries.categories()
    ]


async def install_shipped_categories() -> None:
    """Add the shipped categories and the shipped factor set where missing; safe to run twice.

    A lieu's own overrides are later factor sets: this never changes an existing row."""
    header = shipped_factor_set()
    async with write_transaction(Category._meta.db):
        ids = await queries.category_ids()
        for data in shipped_categories():
            if data.slug not in ids:
                ids[data.slug] = await queries.insert_category(data.slug, data.name, data.name_fr, data.density_kg_m3)
        if await factor_queries.factor_set_named(header["version"]) is not None:
            return
        factor_set_id = await factor_queries.insert_factor_set(header["version"], header.get("note", ""))
        await factor_queries.insert_factors(
            [
                dict(
                    factor_set=factor_set_id,
                    category=ids[data.slug],
                    kind=kind,
                    value=f.value,
                    unit=f.unit,
                    source=f.source,
                    version=f.version,
                    entry=f.entry,
                    note=f.note,
                )
                for data in shipped_categories()
                for kind, f in (("reuse", data.reuse_factor), ("recycle", data.recycle_factor))
            ]
        )
