"""A spreadsheet's cells as an item's values: numbers with a decimal point or comma (and
spaces between thousands), dates as dd/mm/yyyy in the lieu's time zone or ISO 8601, text.
Pure: a cell that cannot be read raises CellError with what was expected."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from exchange.messages import MessageError, _
from exchange.spreadsheets.reading import Cell


class CellError(MessageError):
    """A cell that cannot be read, with what was expected (a message id and its values)."""


_SPACES = re.compile(r"[\s\u00a0\u202f']")  # 1 234,5 · 1 234,5 (narrow no-break) · 1'234
_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)")
_DMY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})(?:[ T]+(\d{1,2})[:h](\d{2})(?::(\d{2}))?)?")


def text(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime | date):
        return cell.isoformat()
    return str(cell).strip()


def number(cell: Cell) -> float | None:
    """12 · 12.5 · 12,5 · 1 234,5 · 1.234,5 · 1,234.5 → a float; empty → None."""
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        return None
    if isinstance(cell, bool) or isinstance(cell, date | datetime):
        raise CellError(_("A number was expected."))
    if isinstance(cell, int | float):
        return float(cell)
    raw = _SPACES.sub("", cell)
    if "," in raw and "." in raw:  # the last of the two separates the decimals
        raw = raw.replace(".", "") if raw.rfind(",") > raw.rfind(".") else raw.replace(",", "")
    if raw.count(",") > 1 or raw.count(".") > 1:
        raise CellError(_("%(value)s is not a number.", value=cell))
    raw = raw.replace(",", ".")
    if not _NUMBER.fullmatch(raw):
        raise CellError(_("%(value)s is not a number.", value=cell))
    return float(raw)


def whole_number(cell: Cell) -> int | None:
    value = number(cell)
    if value is None:
        return None
    if not value.is_integer():
        raise CellError(_("%(value)s is not a whole number.", value=text(cell)))
    return int(value)


def moment(cell: Cell, tz: ZoneInfo) -> datetime | None:
    """A date (midnight) or date and time in the lieu's time zone: a spreadsheet's date cell,
    dd/mm/yyyy [hh:mm], or ISO 8601 (with its offset, or in the lieu's time zone without)."""
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        return None
    if isinstance(cell, datetime):
        return cell if cell.tzinfo else cell.replace(tzinfo=tz)
    if isinstance(cell, date):
        return datetime.combine(cell, time(), tzinfo=tz)
    if not isinstance(cell, str):
        raise CellError(_("A date was expected, as dd/mm/yyyy."))
    raw = cell.strip()
    found = _DMY.fullmatch(raw)
    try:
        if found:
            day, month, year, hour, minute, second = found.groups()
            year_n = int(year) + (2000 if len(year) == 2 else 0)
            return datetime(year_n, int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0), tzinfo=tz)
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as error:
        raise CellError(_("%(value)s is not a date: dd/mm/yyyy or yyyy-mm-dd.", value=raw)) from error
    return value if value.tzinfo else value.replace(tzinfo=tz)
