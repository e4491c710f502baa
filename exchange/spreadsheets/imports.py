"""Bringing a lieu's spreadsheet in: each row becomes an item through the same intake as
POST /api/v1/items (one rule for both), all rows in one write transaction or none.

A row is remembered by the SHA-256 of its values (and how many identical rows came before
it in the file), so the same file imported twice creates nothing the second time, while
two identical planks on two lines are two items."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from exchange.auth.service import Actor
from exchange.db import write_transaction
from exchange.items import schemas as item_schemas
from exchange.items.intake import intake
from exchange.items.present import now_utc
from exchange.ledger.codes import CodeError, parse_code
from exchange.ledger.rules import Conflict, Forbidden, LedgerError, Role, role_at_least
from exchange.lieu.lieux import first_lieu_id, lieu_id
from exchange.messages import Message, _
from exchange.settings import get_settings
from exchange.spreadsheets import cells, queries
from exchange.spreadsheets.columns import ITEM_COLUMNS, field_for_header, normalized
from exchange.spreadsheets.reading import Sheet, read_sheet
from exchange.spreadsheets.schemas import ImportOut, RowError
from exchange.tables import Item

Progress = Callable[[int, int], Awaitable[None] | None]
REQUIRED = ("category", "title", "workshop")
_INTEGERS = ("length_mm", "width_mm", "thickness_mm", "quantity")
_TEXTS = ("code", "title", "condition", "origin", "note")
_FIELD_TYPES = {f.name: f.type for f in msgspec.structs.fields(item_schemas.ItemCreate)}
PROGRESS_EVERY = 100  # rows between two progress reports (and a turn for the event loop)


@dataclass
class ParsedRow:
    number: int
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    row_hash: str = ""


class _RollBack(Exception):
    """Raised inside the transaction to undo it: a dry run, or a row in error."""


def row_error(row: int, column: str, text: Message) -> RowError:
    return RowError(row, column, str(text), text.msgid, Message.as_json(text)["params"])


def row_message(error: RowError) -> Message:
    """The error's sentence, to show in the reader's language."""
    return Message.from_json({"msgid": error.message_id or error.message, "params": error.values})


def _names(rows: list[dict], *keys: str) -> dict[str, str]:
    """Normalized slug and names → slug (slugs win over names). A name with a part in
    brackets answers to each part too: "Médium (MDF)" to "medium" and "mdf"."""
    found: dict[str, str] = {}
    for key in reversed(keys):
        for row in rows:
            name = row.get(key) or ""
            outside, _, inside = name.partition("(")
            for variant in (outside, inside.rstrip(")"), name):
                if normalized(variant):
                    found[normalized(variant)] = row["slug"]
    return found


def _columns(sheet: Sheet) -> tuple[dict[int, str], list[RowError]]:
    """Column index → field, and the header's own problems (row 1)."""
    by_index: dict[int, str] = {}
    seen: dict[str, str] = {}
    errors: list[RowError] = []
    for index, header in enumerate(sheet.header):
        name = field_for_header(header)
        if name is None:
            continue
        if name in seen:
            errors.append(
                row_error(
                    1,
                    header,
                    _(
                        "Two columns give the %(field)s: %(first)s and %(second)s.",
                        field=name,
                        first=seen[name],
                        second=header,
                    ),
                )
            )
            continue
        seen[name] = header
        by_index[index] = name
    for name in REQUIRED:
        if name not in seen:
            column = next(c for c in ITEM_COLUMNS if c.field == name)
            errors.append(
                row_error(
                    1,
                    column.fr,
                    _("No column gives the %(field)s (%(fr)s or %(en)s).", field=name, fr=column.fr, en=column.en),
                )
            )
    return by_index, errors


def _parse(
    sheet: Sheet, by_index: dict[int, str], categories: dict[str, str], workshops: dict[str, str], tz: ZoneInfo
) -> list[ParsedRow]:
    header_of = {name: sheet.header[index] for index, name in by_index.items()}
    parsed: list[ParsedRow] = []
    occurrences: dict[str, int] = {}
    for number, row_cells in sheet.rows:
        row = ParsedRow(number)
        for index, name in by_index.items():
            cell = row_cells[index] if index < len(row_cells) else None
            try:
                value = _value(name, cell, tz, categories, workshops)
            except cells.CellError as error:
                row.errors.append(row_error(number, header_of[name], error.text))
                continue
            if value is None:
                continue
            try:  # the API's own limits, field by field, so that every error of a row is listed
                row.values[name] = msgspec.convert(value, _FIELD_TYPES[name])
            except msgspec.ValidationError as error:
                problem = str(error).replace(" - at `$`", "")
                row.errors.append(
                    row_error(number, header_of[name], _("%(field)s: %(problem)s", field=name, problem=problem))
                )
        for name in REQUIRED:
            if (
                name in header_of
                and name not in row.values
                and not any(e.column == header_of[name] for e in row.errors)
            ):
                row.errors.append(row_error(number, header_of[name], _("The %(field)s is missing.", field=name)))
        content = json.dumps(row.values, sort_keys=True, default=str)
        occurrences[content] = occurrences.get(content, 0) + 1
        row.row_hash = hashlib.sha256(f"{content}#{occurrences[content]}".encode()).hexdigest()
        parsed.append(row)
    return parsed


def _value(name: str, cell: Any, tz, categories: dict[str, str], workshops: dict[str, str]) -> Any:
    if name in _INTEGERS:
        return cells.whole_number(cell)
    if name == "mass_kg":
        return cells.number(cell)
    if name == "occurred_at":
        return cells.moment(cell, tz)
    text = cells.text(cell)
    if not text:
        return None
    if name == "code":
        try:
            return parse_code(text)
        except CodeError as error:
            raise cells.CellError(getattr(error, "text", None) or str(error)) from error
    if name in ("category", "workshop"):
        known = categories if name == "category" else workshops
        slug = known.get(normalized(text))
        if slug is None:
            raise cells.CellError(_("Unknown %(field)s %(value)s: give its slug or its name.", field=name, value=text))
        return slug
    return text


def _column_of(error: LedgerError, row: ParsedRow, header_of: dict[str, str]) -> str:
    """The file's column an intake's error is about: its field, or the code for a conflict
    (the one conflict of an intake is a code already claimed)."""
    name = getattr(error, "field", None) or ("code" if isinstance(error, Conflict) and "code" in row.values else "")
    return header_of.get(name, name)


def _progress_call(progress: Progress | None):
    async def report(done: int, total: int) -> None:
        if progress is not None:
            result = progress(done, total)
            if asyncio.iscoroutine(result):
                await result
        await asyncio.sleep(0)  # let the event loop serve others (and stream the progress)

    return report


async def _destination(actor: Actor, slug: str | None) -> tuple[Actor, ZoneInfo, list[dict]]:
    """Who brings the rows in, and the time zone and workshops of the lieu they go into: `slug`, by
    default the actor's own lieu, then the first (a single-lieu installation's only one). A
    steward or coordinator of that lieu; or a network coordinator, who may bring in the stock of
    a lieu they do not belong to (setting a new lieu up) and then acts as its steward."""
    first = await first_lieu_id()
    lieu = await lieu_id(slug, default=actor.lieu)
    role = actor.role_in(lieu)
    if actor.network and (role is None or not role_at_least(role, Role.steward)):
        actor = dataclasses.replace(actor, roles=((lieu, Role.steward), *(actor.roles or ())))
    elif role is None or not role_at_least(role, Role.steward):
        raise Forbidden(_("Only a steward of that lieu (or the network's coordinator) brings its stock in."))
    return actor, ZoneInfo(await queries.lieu_time_zone(lieu)), await queries.workshops(lieu, first)


async def import_file(
    actor: Actor, content: bytes, *, dry_run: bool = False, progress: Progress | None = None, lieu: str | None = None
) -> ImportOut:
    sheet = await asyncio.to_thread(read_sheet, content)
    return await import_sheet(actor, sheet, dry_run=dry_run, progress=progress, lieu=lieu)


async def import_sheet(
    actor: Actor, sheet: Sheet, *, dry_run: bool = False, progress: Progress | None = None, lieu: str | None = None
) -> ImportOut:
    """The rows of `sheet` as items of the lieu `lieu` (see `_destination`): their workshops are
    that lieu's, their dates in its time zone."""
    actor, tz, lieu_workshops = await _destination(actor, lieu)
    by_index, header_errors = _columns(sheet)
    if header_errors:
        return ImportOut(len(sheet.rows), 0, 0, header_errors, [], None, dry_run)
    categories = _names(await queries.categories(), "slug", "name", "name_fr")
    workshops = _names(lieu_workshops, "slug", "name")
    parsed = _parse(sheet, by_index, categories, workshops, tz)
    known = await queries.known_hashes([row.row_hash for row in parsed])
    fresh = [row for row in parsed if row.row_hash not in known]
    errors = [error for row in fresh for error in row.errors]
    header_of = {name: sheet.header[index] for index, name in by_index.items()}
    report = _progress_call(progress)
    batch = secrets.token_hex(8)
    created: list[str] = []
    remembered: list[tuple[str, str]] = []
    now = now_utc()
    try:
        async with write_transaction(Item._meta.db):
            for done, row in enumerate(fresh, start=1):
                if not row.errors:
                    try:
                        item = await intake(actor, msgspec.convert(row.values, item_schemas.ItemCreate))
                    except LedgerError as error:
                        errors.append(row_error(row.number, _column_of(error, row, header_of), error.text))
                    else:
                        created.append(item.code)
                        remembered.append((row.row_hash, item.code))
                if done % PROGRESS_EVERY == 0:
                    await report(done, len(fresh))
            if errors or dry_run:
                raise _RollBack
            await queries.remember_rows(remembered, batch, now)
    except _RollBack:
        pass
    if len(fresh) % PROGRESS_EVERY:
        await report(len(fresh), len(fresh))
    errors.sort(key=lambda e: e.row)
    written = not errors and not dry_run
    return ImportOut(
        rows=len(parsed),
        created=len(created) if not errors else 0,
        skipped=len(parsed) - len(fresh),
        errors=errors,
        items=created if written else [],
        labels_pdf_url=f"{get_settings().base_url}/api/v1/imports/{batch}/labels.pdf" if written and created else None,
        dry_run=dry_run,
    )
