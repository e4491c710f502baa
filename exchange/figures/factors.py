"""Factor sets: the versions of the impact factors, a lieu's own overrides, and which set a
figure used. A set is never changed once written: an override makes a new set, a copy of
the current one with one factor replaced, so any month can be recomputed with any version."""

from __future__ import annotations

import re
import sqlite3
import struct
from dataclasses import dataclass

import asyncpg

from exchange.auth.service import Actor
from exchange.db import write_transaction
from exchange.figures import queries, schemas
from exchange.figures.words import FACTOR_USES
from exchange.ledger.rules import Conflict, Forbidden, Invalid, NotFound, Role, role_at_least
from exchange.lieu.queries import category_named, first_lieu, lieu_count
from exchange.messages import _, translate
from exchange.tables import FactorSet

UNIT = "kg CO2e/kg"
_LIEU_SUFFIX = re.compile(r"^(?P<root>.*)\+lieu\.(?P<n>\d+)$")
MAX_VERSION_LENGTH = 60


def _single(value: float) -> float:
    return struct.unpack("f", struct.pack("f", value))[0]


def as_written(value: float) -> float:
    """The factor as it was written. The `factor.value` column is REAL, which PostgreSQL keeps
    in single precision (0.681 comes back as 0.68099999...): a value that is a single-precision
    number is read back as the shortest decimal with that single-precision value. A value
    SQLite kept in double precision is returned as it is."""
    if _single(value) != value:
        return value
    for digits in range(1, 10):
        candidate = float(f"{value:.{digits}g}")
        if _single(candidate) == value:
            return candidate
    return value


@dataclass(frozen=True)
class LoadedFactorSet:
    id: int
    version: str
    created_at: object
    note: str
    # category id -> (reuse factor, recycle factor), kg CO2e per kg
    values: dict[int, tuple[float | None, float | None]]

    def out(self) -> schemas.FactorSetOut:
        return schemas.FactorSetOut(version=self.version, created_at=self.created_at, note=self.note)


async def load_factor_set(version: str | None = None) -> LoadedFactorSet:
    """The named factor set, or the current one (the latest) when no version is given."""
    if version:
        row = await queries.factor_set_named(version)
        if row is None:
            raise Invalid(_("No factor set has the version '%(version)s'.", version=version), field="factor_set")
    else:
        row = await queries.latest_factor_set()
        if row is None:
            raise Invalid(_("No factor set is installed yet."), field="factor_set")
    values: dict[int, list[float | None]] = {}
    for factor in await queries.factor_values_of(row["id"]):
        pair = values.setdefault(factor["category"], [None, None])
        pair[0 if factor["kind"] == "reuse" else 1] = as_written(factor["value"])
    return LoadedFactorSet(
        id=row["id"],
        version=row["version"],
        created_at=row["created_at"],
        note=row["note"],
        values={k: (v[0], v[1]) for k, v in values.items()},
    )


async def list_factor_sets(show_names: bool = False) -> list[schemas.FactorSetSummary]:
    """Every factor set, the current one first; who set each only when `show_names` (a member reads)."""
    rows = await queries.factor_sets_with_setter()
    return [
        schemas.FactorSetSummary(
            version=r["version"],
            created_at=r["created_at"],
            note=r["note"],
            current=i == 0,
            set_by=r["set_by_name"] if show_names else None,
        )
        for i, r in enumerate(rows)
    ]


async def factor_set_detail(version: str | None = None, show_names: bool = False) -> schemas.FactorSetDetail:
    """A factor set with each factor's provenance; the current one when no version is given.
    Who set it only when `show_names` (a member reads)."""
    current = await queries.latest_factor_set()
    row = await queries.factor_set_with_setter(version)
    if row is None:
        raise NotFound(f"No factor set has the version {version!r}." if version else "No factor set is installed yet.")
    factors = await queries.factors_with_category_slug(row["id"])
    factors.sort(key=lambda f: (f["category_slug"], f["kind"] != "reuse"))
    return schemas.FactorSetDetail(
        version=row["version"],
        created_at=row["created_at"],
        note=row["note"],
        current=current is not None and current["id"] == row["id"],
        set_by=row["set_by_name"] if show_names else None,
        factors=[
            schemas.FactorRow(
                category=f["category_slug"],
                kind=f["kind"],
                value=as_written(f["value"]),
                unit=f["unit"],
                source=f["source"],
                version=f["version"],
                entry=f["entry"],
                note=f["note"],
            )
            for f in factors
        ],
    )


def next_version(previous: str, taken: set[str]) -> str:
    """ "exchange-defaults-2026.1" → "exchange-defaults-2026.1+lieu.1" → "...+lieu.2"."""
    match = _LIEU_SUFFIX.match(previous)
    root, n = (match.group("root"), int(match.group("n"))) if match else (previous, 0)
    while True:
        n += 1
        candidate = f"{root}+lieu.{n}"
        if len(candidate) > MAX_VERSION_LENGTH:
            candidate = f"{root[: MAX_VERSION_LENGTH - len(candidate)]}+lieu.{n}"
        if candidate not in taken:
            return candidate


def _unique_violation(error: BaseException) -> bool:
    return isinstance(error, (asyncpg.UniqueViolationError, sqlite3.IntegrityError)) and "UNIQUE" in str(error).upper()


async def _override_note(category: dict, kind: str, new: dict, old: dict | None, based_on: str) -> str:
    """What changed, written once in the installation's language (its first lieu's): everyone
    reads the same factor set, and a note written in English showed on the French methodology
    page (tests/test_words.py caught it)."""
    first = await first_lieu()
    lang = first["language"] if first and first.get("language") in ("fr", "en") else "fr"
    source = ", ".join(filter(None, (" ".join(filter(None, (new["source"], new["version"]))), new["entry"])))
    return translate(
        lang,
        _(
            "%(category)s, %(use)s factor: %(value)s %(unit)s (was %(was)s), source: %(source)s. Every other factor as in %(based_on)s.",
            category=category["name_fr"] if lang == "fr" else category["name"],
            use=FACTOR_USES[kind],
            value=new["value"],  # a float: a decimal comma in French
            unit=UNIT,
            was=float(as_written(old["value"])) if old is not None else _("none"),
            source=source,
            based_on=based_on,
        ),
    )


async def may_override(actor: Actor | None) -> bool:
    """Who sets the factors: the current factor set is the installation's, used by every lieu's
    figures, so on a network of lieux only the network coordinator changes it (a lieu's
    coordinator administers their own lieu only); on an installation of one lieu, its
    coordinators."""
    if actor is None:
        return False
    if actor.network:
        return True
    return role_at_least(actor.highest_role(), Role.coordinator) and await lieu_count() == 1


async def check_may_override(actor: Actor | None) -> None:
    if not await may_override(actor):
        raise Forbidden(
            _("On a network of lieux the factors are every lieu's: only the network coordinator changes them.")
        )


async def override_factor(actor: Actor, category_slug: str, data: schemas.FactorIn) -> schemas.FactorSetDetail:
    """A new factor set: the current one with this category's factor of this kind replaced."""
    await check_may_override(actor)
    category = await category_named(category_slug)
    if category is None:
        raise NotFound(_("No category has the slug '%(slug)s'.", slug=category_slug))
    new = dict(
        value=float(data.value),
        unit=UNIT,
        source=data.source.strip(),
        version=data.version.strip(),
        entry=data.entry.strip(),
        note=data.note.strip(),
    )
    if not new["source"]:
        raise Invalid(_("A factor names its source."), field="source")
    try:
        async with write_transaction(FactorSet._meta.db):
            current = await queries.latest_factor_set()
            if current is None:
                raise Invalid(_("No factor set is installed yet."), field="factor_set")
            rows = await queries.factors_of(current["id"])
            old = next((r for r in rows if r["category"] == category["id"] and r["kind"] == data.kind), None)
            if old is not None and all((as_written(old[k]) if k == "value" else old[k]) == v for k, v in new.items()):
                raise Invalid(_("This factor is already the current one."), field="value")
            taken = await queries.factor_set_versions()
            version = next_version(current["version"], taken)
            note = await _override_note(category, data.kind, new, old, current["version"])
            # Who set it is the member's id: the note is read by anyone, the name by members only.
            set_id = await queries.insert_factor_set(version, note, set_by=actor.id)
            copies = [
                dict(
                    factor_set=set_id,
                    category=r["category"],
                    kind=r["kind"],
                    value=r["value"],
                    unit=r["unit"],
                    source=r["source"],
                    version=r["version"],
                    entry=r["entry"],
                    note=r["note"],
                )
                for r in rows
                if r is not old
            ]
            copies.append(dict(factor_set=set_id, category=category["id"], kind=data.kind, **new))
            await queries.insert_factors(copies)
    except Exception as error:
        if _unique_violation(error):
            raise Conflict(_("Someone else changed the factors at the same moment; look again.")) from error
        raise
    return await factor_set_detail(version, show_names=True)
