"""Writing a table (a header and rows of typed values) as CSV, XLSX or ODS.

Numbers stay numbers in XLSX and ODS cells, dates stay dates (in the lieu's time zone:
spreadsheets have no time zones). CSV is UTF-8 with a byte order mark, so that Excel reads
the accents; comma-separated with a decimal point, or, for a French spreadsheet opened with
a double click, semicolon-separated with a decimal comma."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

Value = str | int | float | date | datetime | None

FORMATS = {
    "csv": "text/csv",  # Litestar adds "; charset=utf-8" to a text/ type (it said it twice)
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
}
BOM = "\ufeff"


def _local(value: datetime, tz: ZoneInfo) -> datetime:
    return value.astimezone(tz) if value.tzinfo else value


def _csv_value(value: Value, decimal_comma: bool, tz: ZoneInfo) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        shown = repr(round(value, 6))
        shown = shown[:-2] if shown.endswith(".0") else shown
        return shown.replace(".", ",") if decimal_comma else shown
    if isinstance(value, datetime):
        return _local(value, tz).isoformat(timespec="seconds")
    return str(value)


def write_csv(header: Sequence[str], rows: Iterable[Sequence[Value]], tz: ZoneInfo, semicolon: bool = False) -> bytes:
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, delimiter=";" if semicolon else ",", lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_csv_value(value, semicolon, tz) for value in row])
    return out.getvalue().encode("utf-8")


def write_xlsx(title: str, header: Sequence[str], rows: Iterable[Sequence[Value]], tz: ZoneInfo) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    bold = Font(bold=True)
    heading = []
    for name in header:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        heading.append(cell)
    sheet.append(heading)
    for row in rows:
        cells = []
        for value in row:
            if isinstance(value, datetime):
                cell = WriteOnlyCell(sheet, value=_local(value, tz).replace(tzinfo=None))
                cell.number_format = "dd/mm/yyyy hh:mm"
            elif isinstance(value, date):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "dd/mm/yyyy"
            else:
                cell = WriteOnlyCell(sheet, value=value)
            cells.append(cell)
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def write_ods(title: str, header: Sequence[str], rows: Iterable[Sequence[Value]], tz: ZoneInfo) -> bytes:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    document = OpenDocumentSpreadsheet()
    table = Table(name=title[:31])

    def cell(value: Value) -> TableCell:
        if value is None:
            return TableCell()
        if isinstance(value, int | float) and not isinstance(value, bool):
            node = TableCell(valuetype="float", value=value)
            shown = _csv_value(value, False, tz) if isinstance(value, float) else str(value)
        elif isinstance(value, datetime):
            local = _local(value, tz).replace(tzinfo=None)
            node = TableCell(valuetype="date", datevalue=local.isoformat(timespec="seconds"))
            shown = local.strftime("%d/%m/%Y %H:%M")
        elif isinstance(value, date):
            node = TableCell(valuetype="date", datevalue=value.isoformat())
            shown = value.strftime("%d/%m/%Y")
        else:
            node = TableCell(valuetype="string")
            shown = str(value)
        node.addElement(P(text=shown))
        return node

    for values in ([*header], *rows):
        row = TableRow()
        for value in values:
            row.addElement(cell(value))
        table.addElement(row)
    document.spreadsheet.addElement(table)
    out = io.BytesIO()
    document.write(out)
    return out.getvalue()


def write_table(
    fmt: str, title: str, header: Sequence[str], rows: Iterable[Sequence[Value]], tz: ZoneInfo, semicolon: bool = False
) -> bytes:
    if fmt == "csv":
        return write_csv(header, rows, tz, semicolon)
    if fmt == "xlsx":
        return write_xlsx(title, header, rows, tz)
    if fmt == "ods":
        return write_ods(title, header, rows, tz)
    raise ValueError(fmt)
