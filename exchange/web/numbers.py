"""Whole numbers typed into a page's query string or form.

`str.isdigit` accepts "²" and the other Unicode digits, which `int()` then refuses (a 500), and
`int()` refuses more than 4,300 digits: every page reads its numbers here instead. What is not
a plain number within bounds is None, for the page to say so."""

from __future__ import annotations

from typing import Any


def whole_number(value: Any, *, maximum: int, minimum: int = 0) -> int | None:
    text = str(value if value is not None else "").strip()
    if not text or not text.isascii() or not text.isdigit() or len(text) > len(str(maximum)):
        return None
    number = int(text)
    return number if minimum <= number <= maximum else None
