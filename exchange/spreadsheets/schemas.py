"""What the imports and printers APIs answer."""

from __future__ import annotations

from typing import Any

import msgspec


class RowError(msgspec.Struct):
    row: int  # as the spreadsheet numbers it (the header is row 1)
    column: str  # the file's own header, or the field when the file has no such column
    message: str  # in English; message_id and values translate it (as in the problem details)
    message_id: str = ""
    values: dict[str, Any] = {}


class ImportOut(msgspec.Struct):
    rows: int
    created: int
    skipped: int
    errors: list[RowError]
    items: list[str]
    labels_pdf_url: str | None
    dry_run: bool = False
