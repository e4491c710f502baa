"""Reading a spreadsheet into rows of cells: CSV (comma or semicolon, UTF-8 or Windows-1252),
XLSX (openpyxl) and ODS (odfpy). The format is told by the file's bytes, not its name.

A cell is what the file holds: text for CSV, and for XLSX and ODS a number, a date, a
boolean or text. Turning cells into an item's values is cells.py's job."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from exchange.ledger.rules import Invalid
from exchange.messages import _

Cell = str | int | float | bool | date | datetime | None

MAX_ROWS = 50_000  # a lieu's whole stock; more is a mistaken file (and minutes of work)
_SNIFF_BYTES = 64 * 1024
_ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"


@dataclass
class Sheet:
    format: str  # csv | xlsx | ods
    header: list[str]
    rows: list[tuple[int, list[Cell]]]  # (row number as the spreadsheet shows it, cells)
    delimiter: str | None = None
    encoding: str | None = None


def read_sheet(content: bytes) -> Sheet:
    """The first sheet's header (its first non-empty row) and the rows under it, empty rows left out."""
    if content.startswith(b"PK\x03\x04"):
        try:
            archive = zipfile.ZipFile(io.BytesIO(content))
            names = set(archive.namelist())
            if "mimetype" in names and archive.read("mimetype").strip() == _ODS_MIMETYPE:
                return _table("ods", _ods_rows(content))
            if "xl/workbook.xml" in names:
                return _table("xlsx", _xlsx_rows(content))
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
            raise Invalid(
                _("This spreadsheet could not be read (%(error)s).", error=str(error)), field="file"
            ) from error
        raise Invalid(_("This archive is neither an XLSX nor an ODS spreadsheet."), field="file")
    if content.startswith(b"\xd0\xcf\x11\xe0"):
        raise Invalid(_("Old Excel files (.xls) are not read: save it as .xlsx, .ods or .csv."), field="file")
    text, encoding = decode_text(content)
    delimiter, text = _delimiter(text)
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    sheet = _table("csv", ((n, list(row)) for n, row in enumerate(rows, start=1)))
    sheet.delimiter, sheet.encoding = delimiter, encoding
    return sheet


def decode_text(content: bytes) -> tuple[str, str]:
    """UTF-8 (with or without its byte order mark), else Windows-1252, what French Excel writes."""
    if b"\x00" in content[:_SNIFF_BYTES]:
        raise Invalid(_("This file is not a spreadsheet (binary content)."), field="file")
    try:
        return content.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        # Windows-1252 leaves five bytes undefined; Latin-1 agrees with it elsewhere but for
        # 0x80-0x9F, so those five are read as Latin-1 rather than refusing the file.
        return "".join(_cp1252(line) for line in content.splitlines(keepends=True)), "windows-1252"


def _cp1252(line: bytes) -> str:
    try:
        return line.decode("cp1252")
    except UnicodeDecodeError:
        return "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in line)


def _delimiter(text: str) -> tuple[str, str]:
    """Excel's `sep=;` first line if there is one, else what csv.Sniffer finds among comma,
    semicolon and tab, else the most frequent of them in the first line."""
    first, _, rest = text.partition("\n")
    if first.strip().lower().startswith("sep=") and len(first.strip()) == 5:
        return first.strip()[4], rest
    sample = text[:_SNIFF_BYTES]
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter, text
    except csv.Error:
        return max(",;\t", key=first.count), text


def _blank(cell: Cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _table(fmt: str, rows: Iterator[tuple[int, list[Cell]]]) -> Sheet:
    header: list[str] | None = None
    body: list[tuple[int, list[Cell]]] = []
    for number, cells in rows:
        if all(_blank(cell) for cell in cells):
            continue
        if header is None:
            header = ["" if cell is None else str(cell).strip() for cell in cells]
            continue
        if len(body) >= MAX_ROWS:
            raise Invalid(_("At most %(max)s rows at once: split the file.", max=MAX_ROWS), field="file")
        body.append((number, cells))
    if header is None:
        raise Invalid(_("This file is empty: the first row names the columns."), field="file")
    return Sheet(format=fmt, header=header, rows=body)


def _xlsx_rows(content: bytes) -> Iterator[tuple[int, list[Cell]]]:
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, list(row)
    finally:
        book.close()


def _ods_rows(content: bytes) -> Iterator[tuple[int, list[Cell]]]:
    from odf import teletype
    from odf.namespaces import OFFICENS, TABLENS
    from odf.opendocument import load
    from odf.table import Table, TableRow

    document = load(io.BytesIO(content))
    tables = document.spreadsheet.getElementsByType(Table)
    if not tables:
        return
    number = 0
    for row in tables[0].getElementsByType(TableRow):
        repeat = int(row.attributes.get((TABLENS, "number-rows-repeated"), 1))
        cells: list[Cell] = []
        for cell in row.childNodes:
            if cell.qname[1] not in ("table-cell", "covered-table-cell"):
                continue
            columns = int(cell.attributes.get((TABLENS, "number-columns-repeated"), 1))
            value = _ods_value(cell, teletype, OFFICENS) if cell.qname[1] == "table-cell" else None
            # A trailing run of empty cells is repeated to the sheet's last column: not expanded.
            cells.extend([value] * (columns if value is not None or columns < 100 else 1))
        if all(_blank(c) for c in cells):
            number += repeat  # empty rows (LibreOffice repeats the last one a million times)
            continue
        for _copy in range(min(repeat, MAX_ROWS + 1)):
            number += 1
            yield number, list(cells)


def _ods_value(cell, teletype, officens) -> Cell:
    kind = cell.attributes.get((officens, "value-type"))
    if kind in ("float", "percentage", "currency"):
        raw = cell.attributes.get((officens, "value"))
        number = float(raw)
        return int(number) if number.is_integer() else number
    if kind == "date":
        raw = cell.attributes.get((officens, "date-value"))
        return datetime.fromisoformat(raw) if "T" in raw else date.fromisoformat(raw)
    if kind == "boolean":
        return cell.attributes.get((officens, "boolean-value")) == "true"
    text = teletype.extractText(cell)
    return text if text != "" else None
