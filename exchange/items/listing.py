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
from exchange.ledger.rules import Invalid, Status
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


def _like_pattern(text: str, *, word_start: bool = False) -> str:
    """`%text%`, or with `word_start` `% text%`: matched against the text with a space in front,
    a word is found where a word begins ("20" finds "2000 mm", not "CP 1200")."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"% {escaped}%" if word_start else f"%{escaped}%"


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
            where(
                "(' ' || COALESCE(item.search, LOWER(item.title || ' ' || item.note)) LIKE {} ESCAPE '\\' "
                "OR item.code LIKE UPPER({}) ESCAPE '\\'" + in_category + ")",
                _like_pattern(word, word_start=True),
                _like_pattern(word),
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
    selects: list[str] = []
    values: list[Any] = []
    for condition, condition_args in arms:
        conditions = [condition, *clauses] if condition else clauses
        selects.append("SELECT COUNT(*) AS n FROM item" + (" WHERE " + " AND ".join(conditions) if conditions else ""))
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

    if filters.fit:
        sort = "item.length_mm * item.width_mm"
        if filters.cursor:
            area, last_id = _decode_cursor(filters.cursor, 2)
            where(f"({sort} > {{}} OR ({sort} = {{}} AND item.id > {{}}))", area, area, last_id)
        order, page_order = f"{sort} ASC, item.id ASC", "sort_key ASC, id ASC"
    else:
        sort = "item.id"
        if filters.cursor:
            (last_id,) = _decode_cursor(filters.cursor, 1)
            where("item.id < {}", last_id)
        order, page_order = "item.id DESC", "id DESC"

    # One query: the page's ids in order (on the item table alone), then their rows with the joins.
    size = filters.limit + 1
    skip = filters.offset
    selects: list[str] = []
    values: list[Any] = []
    for n, (condition, condition_args) in enumerate(arms):
        conditions = [condition, *clauses] if condition else clauses
        selects.append(
            f"SELECT * FROM (SELECT item.id AS id, {sort} AS sort_key FROM item"
            + (" WHERE " + " AND ".join(conditions) if conditions else "")
            + f" ORDER BY {order} LIMIT {size + skip}) AS arm{n}"
        )
        values += [*condition_args, *args]
    page = f"SELECT id FROM ({' UNION ALL '.join(selects)}) AS page ORDER BY {page_order} LIMIT {size} OFFSET {skip}"
    rows = await queries.ITEMS.rows_with(f"WHERE item.id IN ({page}) ORDER BY {order}", *values)
    more = len(rows) > filters.limit
    ordered = rows[: filters.limit]
    next_cursor = None
    if more and ordered:
        last = ordered[-1]
        next_cursor = _encode_cursor(
            [last["length_mm"] * last["width_mm"], last["id"]] if filters.fit else [last["id"]]
        )
    return schemas.ItemPage(items=[item_out(row, viewer, now) for row in ordered], next_cursor=next_cursor)
