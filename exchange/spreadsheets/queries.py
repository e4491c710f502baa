"""The SQL of imports and exports: rows already brought in, uploads kept for a preview,
the lookups that turn names into slugs, and the ledger for a period."""

from __future__ import annotations

import base64
import secrets
from datetime import datetime, timedelta

from exchange.tables import Category, Event, ImportRow, ImportUpload, Lieu, Workshop

_CHUNK = 500  # hashes per IN (...): well under SQLite's 32,766 parameters
UPLOAD_KEPT = timedelta(days=1)


async def known_hashes(hashes: list[str]) -> set[str]:
    known: set[str] = set()
    for start in range(0, len(hashes), _CHUNK):
        chunk = hashes[start : start + _CHUNK]
        rows = await ImportRow.select(ImportRow.row_hash).where(ImportRow.row_hash.is_in(chunk))
        known.update(row["row_hash"] for row in rows)
    return known


async def remember_rows(rows: list[tuple[str, str]], batch: str, at: datetime) -> None:
    """(row hash, item code) of the rows an import created, in inserts of _CHUNK rows (one
    insert per row took a third of an import's time)."""
    for start in range(0, len(rows), _CHUNK):
        chunk = rows[start : start + _CHUNK]
        await ImportRow.insert(
            *(ImportRow(row_hash=row_hash, batch=batch, code=code, created_at=at) for row_hash, code in chunk)
        )


async def batch_codes(batch: str) -> list[str]:
    rows = await ImportRow.select(ImportRow.code).where(ImportRow.batch == batch).order_by(ImportRow.id)
    return [row["code"] for row in rows]


async def categories() -> list[dict]:
    return await Category.select(Category.slug, Category.name, Category.name_fr)


async def workshops(lieu: int, first: int) -> list[dict]:
    """The workshops of `lieu` (a workshop that names none is the first lieu's)."""
    of_lieu = Workshop.lieu == lieu
    if lieu == first:
        of_lieu = of_lieu | Workshop.lieu.is_null()
    return await Workshop.select(Workshop.slug, Workshop.name).where(of_lieu)


async def lieu_time_zone(lieu: int) -> str:
    return (await Lieu.select(Lieu.time_zone).where(Lieu.id == lieu).first())["time_zone"]


async def keep_upload(member_id: int, filename: str, content: bytes, now: datetime) -> str:
    """Keep a file between its preview and its confirmation; forget those older than a day."""
    await ImportUpload.delete().where(ImportUpload.created_at < now - UPLOAD_KEPT)
    token = secrets.token_urlsafe(24)
    await ImportUpload.insert(
        ImportUpload(
            token=token,
            member=member_id,
            filename=filename[:200],
            content=base64.b64encode(content).decode(),
            created_at=now,
        )
    )
    return token


async def kept_upload(member_id: int, token: str) -> tuple[str, bytes] | None:
    row = (
        await ImportUpload.select(ImportUpload.filename, ImportUpload.content)
        .where((ImportUpload.token == token) & (ImportUpload.member == member_id))
        .first()
    )
    return None if row is None else (row["filename"], base64.b64decode(row["content"]))


async def forget_upload(token: str) -> None:
    await ImportUpload.delete().where(ImportUpload.token == token)


EVENT_COLUMNS = (
    Event.id,
    Event.occurred_at,
    Event.recorded_at,
    Event.kind,
    Event.item.code.as_alias("code"),
    Event.category.slug.as_alias("category"),
    Event.workshop.slug.as_alias("workshop"),
    Event.from_workshop.slug.as_alias("from_workshop"),
    Event.mass_g,
    Event.loss_g,
    Event.note,
    Event.member.name.as_alias("by"),
)


async def events_between(
    start: datetime, end: datetime, after_id: int, limit: int, workshops: frozenset[int] | None = None
) -> list[dict]:
    """The ledger's events with start <= occurred_at < end, by id, a page at a time; with
    `workshops`, those at one of them or moved out of one of them."""
    where = (Event.occurred_at >= start) & (Event.occurred_at < end) & (Event.id > after_id)
    if workshops is not None:
        if not workshops:
            return []
        ids = sorted(workshops)
        where &= Event.workshop.is_in(ids) | Event.from_workshop.is_in(ids)
    return await Event.select(*EVENT_COLUMNS).where(where).order_by(Event.id).limit(limit)
