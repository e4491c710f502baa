"""Forms that forgive: every field's problem at once, each beside its field, in the reader's words.

The API's types (msgspec Structs with their limits) stay the one place where limits live:
each field is checked against its own annotated type, so a form with three mistakes says
all three, where a whole-struct conversion stops at the first."""

from __future__ import annotations

import re
from typing import Any

import msgspec
from msgspec.structs import fields

from exchange.ledger.rules import MAX_DIMENSION_MM, MAX_QUANTITY
from exchange.messages import _, translate
from exchange.web import i18n


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


def text(form: Any, name: str, limit: int = 200) -> str:
    """A form field as typed, trimmed and cut to `limit` (an upload or a missing field: "")."""
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def convert(data: dict[str, Any], kind: type) -> Any:
    """`data` (empty values left out) as `kind`; a value out of bounds raises FormError."""
    try:
        return msgspec.convert({k: v for k, v in data.items() if v not in (None, "")}, kind, strict=False)
    except msgspec.ValidationError as error:
        raise FormError(field_of(error)) from error


class FormError(Exception):
    """A form value out of bounds; `args[0]` names the field."""


def field_of(error: msgspec.ValidationError) -> str:
    """The field a msgspec validation error is about."""
    match = re.search(r"at `\$\.(\w+)`", str(error)) or re.search(r"missing required field `(\w+)`", str(error))
    return match.group(1) if match else "form"


def field_problem(lang: str, field: str) -> str:
    """What is wrong with a field, in the reader's language."""
    if field in ("length_mm", "width_mm", "thickness_mm"):
        return translate(lang, _("a whole number from 1 to %(max)s", max=i18n.format_number(MAX_DIMENSION_MM, lang)))
    if field == "quantity":
        return translate(lang, _("a whole number from 1 to %(max)s", max=i18n.format_number(MAX_QUANTITY, lang)))
    if field == "mass_kg":
        return translate(lang, _("a mass in kg, above 0 and up to 10,000"))
    if field in ("category", "workshop"):
        return translate(lang, _("required"))
    if field == "occurred_at":
        return translate(lang, _("the time of the action, ISO 8601 with its offset"))
    return translate(lang, _("too long"))
