"""An item as people see it: its row turned into ItemOut (the status a reservation past its
expiry really has, no member's name for the public), and its events into EventOut; its JSON
kept per revision of the item (Revision), the way web/item_page.py keeps its page."""

from __future__ import annotations

import json
from collections import OrderedDict
from datetime import UTC, datetime
from typing import Any, NamedTuple

import msgspec

from exchange.auth.service import Actor
from exchange.db import commit_mark, engine_identity
from exchange.items import queries, schemas
from exchange.ledger.codes import parse_code
from exchange.ledger.rules import NotFound, Status
from exchange.messages import _
from exchange.settings import get_settings
from exchange.tables import Item


def now_utc() -> datetime:
    return datetime.now(UTC)


def kg(mass_g: int | None) -> float | None:
    return None if mass_g is None else mass_g / 1000


def effective_status(row: dict, now: datetime) -> Status:
    """A reservation past its expiry is over, even before the sweep writes its release event."""
    status = _STATUS[row["status"]]
    if status is Status.reserved and row["reserved_until"] is not None and row["reserved_until"] <= now:
        return Status.available
    return status


# Status(text) builds through Enum's lookup: 0.8 µs, once per item of a 50-row list.
_STATUS = {status.value: status for status in Status}


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
        lieu=row.get("lieu_slug"),
        distance_km=row.get("distance_km"),
    )


async def get_item(raw_code: str, viewer: Actor | None) -> schemas.ItemOut:
    return item_out(await queries.item_row(parse_code(raw_code)), viewer, now_utc())


class Revision(NamedTuple):
    """What an item shows as of now, named without reading it whole (queries.ITEM_REVISION):
    the same Revision means the same ItemOut, for a given kind of viewer."""

    database: tuple[int, str]
    code: str
    id: int
    version: int  # bumped by every event
    photo: str | None  # set without an event
    holder_name: str | None  # a member may rename themselves
    status: Status  # as of now: a reservation ends by itself
    places: tuple[int | None, int | None]  # the newest workshop and lieu: where it may go


async def item_revision(code: str, now: datetime) -> Revision:
    """The item's Revision; NotFound for no item."""
    engine = Item._meta.db
    database = engine_identity(engine)
    row = await _revision_row(engine, database, code)
    return Revision(
        database,
        code,
        row["id"],
        row["version"],
        row["photo"],
        row["holder_name"],
        effective_status(row, now),
        (row["last_workshop"], row["last_lieu"]),
    )


async def _revision_row(engine, database: tuple[int, str], code: str) -> dict:
    """The row of the item's revision (queries.ITEM_REVISION), read again only when something
    was committed since it was last read (commit_mark): that read was 50 µs of server CPU of
    an item's JSON or page, the mark costs well under one (exchange/db/wal_index.py)."""
    mark = commit_mark(engine)  # taken before the read: a commit meanwhile makes the next one read
    key = (database, code)
    if mark is not None:
        kept = _ROWS_KEPT.get(key)
        if kept is not None and kept[0] == mark:
            _ROWS_KEPT.move_to_end(key)
            return kept[1]
    row = await queries.item_revision_row(code)
    if mark is not None:
        _ROWS_KEPT[key] = (mark, row)
        if len(_ROWS_KEPT) > JSON_KEPT:
            _ROWS_KEPT.popitem(last=False)
    return row


async def item_json(raw_code: str, viewer: Actor | None) -> bytes:
    """GET /api/v1/items/{code} as JSON bytes, kept per revision of the item: the lookup of the
    revision reads one row with one join, where the whole item takes six joins, thirty columns
    and the encoding (the item JSON cost 267 µs of server CPU a request, the hello-world 87)."""
    code = parse_code(raw_code)
    now = now_utc()
    revision = await item_revision(code, now)
    key = (revision, viewer is None)
    body = _JSON_KEPT.get(key)
    if body is not None:
        _JSON_KEPT.move_to_end(key)
        return body
    row = await queries.item_row(code)
    body = msgspec.json.encode(item_out(row, viewer, now))
    # Kept only when the row read whole is the revision looked up (no event in between).
    if row["version"] == revision.version:
        _JSON_KEPT[key] = body
        if len(_JSON_KEPT) > JSON_KEPT:
            _JSON_KEPT.popitem(last=False)
    return body


# Item JSON kept as bytes, least recently used dropped: 4,096 of about 1 kB.
JSON_KEPT = 4096
_JSON_KEPT: OrderedDict[tuple, bytes] = OrderedDict()
# Revision rows with the commit mark they were read under, as many (they are smaller).
_ROWS_KEPT: OrderedDict[tuple, tuple[bytes, dict]] = OrderedDict()


async def item_events(raw_code: str, viewer: Actor | None) -> list[schemas.EventOut]:
    code = parse_code(raw_code)
    # One query by code; every item has at least its first event, so no rows means no item.
    rows = await queries.EVENTS_BY_CODE.rows(code)
    if not rows and not await queries.item_exists(code):
        raise NotFound(_("No item holds the code %(code)s.", code=code))
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


def forget_kept() -> None:
    """Drop the kept JSON, for a database emptied or replaced under this process (the tests
    reset theirs, ids and codes start again): while the app serves, every change it can see
    comes with a new revision."""
    _JSON_KEPT.clear()
    _ROWS_KEPT.clear()
