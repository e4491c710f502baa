"""Forms that forgive: every field's problem at once, each beside its field, in the reader's words.

The API's types (msgspec Structs with their limits) stay the one place where limits live:
each field is checked against its own annotated type, so a form with three mistakes says
all three, where a whole-struct conversion stops at the first."""

from __future__ import annotations

from typing import Any

import msgspec
from msgspec.structs import fields

from exchange.web.item_page import field_problem


def problems(data: dict[str, Any], kind: type[msgspec.Struct], lang: str) -> dict[str, str]:
    """What is wrong with each field of `data` for `kind` (empty values count as absent)."""
    found: dict[str, str] = {}
    for field in fields(kind):
        value = data.get(field.name)
        if value in (None, ""):
            if field.required:
                found[field.name] = field_problem(lang, field.name)
            continue
        try:
            msgspec.convert(value, field.type, strict=False)
        except msgspec.ValidationError:
            found[field.name] = field_problem(lang, field.name)
    return found


def read(data: dict[str, Any], kind: type[msgspec.Struct], lang: str) -> tuple[Any, dict[str, str]]:
    """The Struct and no problems, or None and every field's problem."""
    found = problems(data, kind, lang)
    if found:
        return None, found
    clean = {k: v for k, v in data.items() if v not in (None, "")}
    try:
        return msgspec.convert(clean, kind, strict=False), {}
    except msgspec.ValidationError:  # a rule across fields: said once, for the form
        return None, {"form": field_problem(lang, "form")}


def decimal(text: str) -> str:
    """ "3,5" as typed on a French keyboard → "3.5"."""
    return text.strip().replace(",", ".").replace("\u202f", "").replace(" ", "")
