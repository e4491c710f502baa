"""The items list: filters, keyset cursors, and the one query that reads a page."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from exchange.auth.service import Actor
from exchange.items import queries, schemas
from exchange.items.present import item_out, now_utc
from exchange.items.search import matching_categories, words_of
from exchange.ledger.fit import parse_fit
from exchange.ledger.geo import great_circle_km, parse_position
from exchange.ledger.rules import Invalid, Status
from exchange.lieu import queries as lieu_queries
from exchange.lieu.lieux import lieu_ids
from exchange.messages import _
from exchange.tables import Item


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
    lieu: str | None = None  # one slug or several, comma-separated; none: every lieu
    near: str | None = None  # "LAT,LON": nearest lieu first, each item with its distance_km
    within_km: float | None = None


@dataclass(frozen=True)
class Nearby:
    """The lieux a `near` list reads, nearest first: rank and distance by lieu id, and the rank
    of each of their workshops."""

    rank: dict[int, int]
    distance_km: dict[int, float]
    workshops: dict[int, int]

    def source(self) -> str:
        """The items of those workshops, each with its lieu's rank (nearby_workshop.column2): a
        join on a list of (workshop, rank), so that the index on (status, thickness_mm, workshop,
        ...) reads only the lieux near (m0012; at 1,000,000 items, an item's lieu looked up row
        by row over the whole network took 40 ms a search). The ids and ranks are integers of our
        own: written into the SQL."""
        pairs = ", ".join(f"({workshop}, {rank})" for workshop, rank in sorted(self.workshops.items()))
        return f"item JOIN (VALUES {pairs}) AS nearby_workshop ON nearby_workshop.column1 = item.workshop"

    def rank_sql(self) -> str:
        return "nearby_workshop.column2"


# An item's lieu: its workshop's (a workshop written without one is the first lieu's).
LIEU_OF_ITEM = (
    "(SELECT COALESCE(workshop.lieu, (SELECT MIN(lieu.id) FROM lieu)) FROM workshop WHERE workshop.id = item.workshop)"
)


async def _lieu_ids(text: str | None) -> list[int] | None:
    if not text:
        return None
    slugs = [s.strip() for s in text.split(",") if s.strip()]
    known = await lieu_ids()
    unknown = [s for s in slugs if s not in known]
    if unknown or not slugs:
        raise Invalid(_("Unknown lieu '%(slug)s'.", slug=", ".join(unknown) or text), field="lieu")
    return [known[s] for s in slugs]


async def nearby(filters: ItemFilters) -> Nearby | None:
    """With `near`, the lieux with a position (and within `within_km`), nearest first."""
    if filters.near is None:
        if filters.within_km is not None:
            raise Invalid(_("within_km goes with near=LAT,LON."), field="within_km")
        return None
    latitude, longitude = parse_position(filters.near)
    if filters.within_km is not None and not 0 < filters.within_km <= 20_100:
        raise Invalid(_("within_km is a distance in km, more than 0."), field="within_km")
    distances = sorted(
        (great_circle_km(latitude, longitude, r["latitude"], r["longitude"]), r["id"])
        for r in await lieu_queries.positioned_lieux()
    )
    kept = [(km, lieu) for km, lieu in distances if filters.within_km is None or km <= filters.within_km]
    rank = {lieu: n for n, (_, lieu) in enumerate(kept)}
    workshops = {w: rank[lieu] for w, lieu in (await queries.workshop_lieux()).items() if lieu in rank}
    return Nearby(rank=rank, distance_km={lieu: km for km, lieu in kept}, workshops=workshops)


MAX_LIMIT = 200
MAX_OFFSET = 100_000


def _encode_cursor(values: list[int]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, size: int) -> list[int]:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        values = None
    # Within a 64-bit integer: a bigger one made both engines fail on binding it (a 500).
    in_range = all(type(v) is int and -(2**63) <= v < 2**63 for v in values or ())
    if not (isinstance(values, list) and len(values) == size and in_range):
        raise Invalid(_("This cursor is not one the list gave out."), field="cursor")
    return values


CODE_WORD_MIN = 4


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _word_start_pattern(word: str) -> str:
    """`% word%`: matched against the text with a space in front, a word is found where a word
    begins ("20" finds "2000 mm", not "CP 1200")."""
    return f"% {_like_escape(word)}%"


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
            raise Invalid(
                _(
                    "Unknown status '%(status)s': one of %(statuses)s or any.",
                    status=status,
                    statuses=", ".join(Status),
                ),
                field="status",
            )
        arms = [("item.status = {}", (status,))]
    else:
        arms = [("", ())]
    if filters.category:
        category = await queries.CATEGORY_ID.first(filters.category)
        if category is None:
            raise Invalid(_("Unknown category '%(slug)s'.", slug=filters.category), field="category")
        where("item.category = {}", category["id"])
    lieux = await _lieu_ids(filters.lieu)
    if lieux is not None:
        where(f"{LIEU_OF_ITEM} IN ({', '.join('{}' for _ in lieux)})", *lieux)
    if filters.workshop:
        workshop = await queries.WORKSHOP_ID.first(filters.workshop)
        if workshop is None:
            raise Invalid(_("Unknown workshop '%(slug)s'.", slug=filters.workshop), field="workshop")
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
        categories = await queries.CATEGORY_NAMES.rows()
        for word in words:
            ids = matching_categories(word, categories)
            in_category = f" OR item.category IN ({', '.join('{}' for _id in ids)})" if ids else ""
            # A code is matched from the start of either half, and only by a word of at least
            # CODE_WORD_MIN symbols: "20" would find one random code in 16.
            in_code = " OR item.code LIKE UPPER({}) ESCAPE '\\' OR item.code LIKE UPPER({}) ESCAPE '\\'"
            code_args = (f"{_like_escape(word)}%", f"%-{_like_escape(word)}%") if len(word) >= CODE_WORD_MIN else ()
            where(
                "(' ' || COALESCE(item.search, LOWER(item.title || ' ' || item.note)) LIKE {} ESCAPE '\\'"
                + (in_code if code_args else "")
                + in_category
                + ")",
                _word_start_pattern(word),
                *code_args,
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
    near = await nearby(filters)
    if near is not None and not near.workshops:  # no lieu (with a workshop) that near
        return 0
    source = near.source() if near is not None else "item"  # only the lieux that near, as the list reads them
    selects: list[str] = []
    values: list[Any] = []
    for condition, condition_args in arms:
        conditions = [condition, *clauses] if condition else clauses
        selects.append(
            f"SELECT COUNT(*) AS n FROM {source}" + (" WHERE " + " AND ".join(conditions) if conditions else "")
        )
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
        raise Invalid(_("limit must be between 1 and %(max)s.", max=MAX_LIMIT), field="limit")
    if not 0 <= filters.offset <= MAX_OFFSET:
        raise Invalid(_("offset must be between 0 and %(max)s.", max=MAX_OFFSET), field="offset")
    arms, clauses, args = await _list_conditions(filters, now)

    def where(sql: str, *values: Any) -> None:
        clauses.append(sql)
        args.extend(values)

    near = await nearby(filters)
    if near is not None and not near.workshops:  # no lieu (with a workshop) that near: an empty page
        return schemas.ItemPage(items=[], next_cursor=None)
    rank = near.rank_sql() if near is not None else "0"
    source = near.source() if near is not None else "item"
    if filters.fit:
        sort = "item.length_mm * item.width_mm"
        if filters.cursor:
            last_rank, area, last_id = (
                _decode_cursor(filters.cursor, 3) if near else [0, *_decode_cursor(filters.cursor, 2)]
            )
            where(
                f"({rank} > {{}} OR ({rank} = {{}} AND ({sort} > {{}} OR ({sort} = {{}} AND item.id > {{}}))))",
                last_rank,
                last_rank,
                area,
                area,
                last_id,
            )
        order, page_order = f"rank_key ASC, {sort} ASC, item.id ASC", "rank_key ASC, sort_key ASC, id ASC"
    else:
        sort = "item.id"
        if filters.cursor:
            last_rank, last_id = _decode_cursor(filters.cursor, 2) if near else [0, *_decode_cursor(filters.cursor, 1)]
            where(f"({rank} > {{}} OR ({rank} = {{}} AND item.id < {{}}))", last_rank, last_rank, last_id)
        order, page_order = "rank_key ASC, item.id DESC", "rank_key ASC, id DESC"
    if near is None:  # one lieu's order or every lieu's: the index-ordered arms as they were
        order = order.replace("rank_key ASC, ", "")

    # One query: the page's ids in order (on the item table alone), then their rows with the joins.
    size = filters.limit + 1
    skip = filters.offset
    selects: list[str] = []
    values: list[Any] = []
    for n, (condition, condition_args) in enumerate(arms):
        conditions = [condition, *clauses] if condition else clauses
        selects.append(
            f"SELECT * FROM (SELECT item.id AS id, {rank} AS rank_key, {sort} AS sort_key FROM {source}"
            + (" WHERE " + " AND ".join(conditions) if conditions else "")
            + f" ORDER BY {order} LIMIT {size + skip}) AS arm{n}"
        )
        values += [*condition_args, *args]
    page = f"SELECT id FROM ({' UNION ALL '.join(selects)}) AS page ORDER BY {page_order} LIMIT {size} OFFSET {skip}"
    final_order = order.replace("rank_key ASC, ", "")
    rows = await queries.ITEMS.rows_with(f"WHERE item.id IN ({page}) ORDER BY {final_order}", *values)
    if near is not None:  # nearest lieu first, then the order within each lieu (a stable sort)
        for row in rows:
            row["distance_km"] = round(near.distance_km[row["lieu_id"] or min(near.rank)], 1)
        rows.sort(key=lambda row: near.rank.get(row["lieu_id"], 0))
    more = len(rows) > filters.limit
    ordered = rows[: filters.limit]
    next_cursor = None
    if more and ordered:
        last = ordered[-1]
        keys = [last["length_mm"] * last["width_mm"], last["id"]] if filters.fit else [last["id"]]
        next_cursor = _encode_cursor([near.rank.get(last["lieu_id"], 0), *keys] if near else keys)
    return schemas.ItemPage(items=[item_out(row, viewer, now) for row in ordered], next_cursor=next_cursor)
