"""The reader's language (cookie, Accept-Language, French by default), the names of the ledger's
statuses, roles and mass sources, and numbers and dates in the reader's locale.

The sentences themselves live in the gettext catalogues (exchange.messages)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from exchange.figures.words import month_name
from exchange.messages import DEFAULT_LANG, LANGS, _, pgettext
from exchange.settings import get_settings

__all__ = ["DEFAULT_LANG", "LANGS"]

LANG_COOKIE = "exchange_lang"

# The ledger's words, by the value the code and the database keep.
STATUS_NAMES = {
    "available": _("available"),
    "reserved": _("reserved"),
    "used": _("used"),
    "recycled": _("recycled"),
    "discarded": _("discarded"),
    "split": _("cut up"),
}
ROLE_NAMES = {"member": _("member"), "steward": _("workshop steward"), "coordinator": _("coordinator")}
MASS_SOURCES = {"weighed": pgettext("mass", "weighed"), "estimated": _("estimated"), "unknown": _("not weighed")}

_SEPARATORS = {"fr": ("\u202f", ","), "en": (",", ".")}  # (thousands, decimal)
NBSP = "\u00a0"


def normalize_lang(value: str | None) -> str | None:
    value = (value or "").strip().lower()[:2]
    return value if value in LANGS else None


def lang_from_accept_language(header: str | None) -> str:
    """The first of our languages the reader asks for, by preference weight; French otherwise."""
    choices: list[tuple[float, int, str]] = []
    for index, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        lang = normalize_lang(tag.split("-")[0])
        if lang and weight > 0:
            choices.append((-weight, index, lang))
    return min(choices)[2] if choices else DEFAULT_LANG


# ---------------------------------------------------------------------------------------------
# Numbers and dates


def format_number(value: float | int | None, lang: str, decimals: int | None = None, max_decimals: int = 3) -> str:
    """12345.5 -> '12 345,5' (fr) or '12,345.5' (en); trailing zeros dropped unless `decimals` is set."""
    if value is None:
        return "—"
    thousands, point = _SEPARATORS.get(lang, _SEPARATORS["fr"])
    places = decimals if decimals is not None else max_decimals
    quantized = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = f"{abs(quantized):f}"
    whole, _, fraction = text.partition(".")
    if decimals is None:
        fraction = fraction.rstrip("0")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    sign = "-" if quantized < 0 else ""
    return sign + thousands.join(groups) + (point + fraction if fraction else "")


def format_kg(value: float | None, lang: str) -> str:
    if value is None:
        return "—"
    decimals = 3 if abs(value) < 10 else 1 if abs(value) < 1000 else 0
    return f"{format_number(value, lang, max_decimals=decimals)}{NBSP}kg"


def format_mm(value: int | None, lang: str) -> str:
    return "—" if value is None else f"{format_number(value, lang)}{NBSP}mm"


def format_dimensions(length: int | None, width: int | None, thickness: int | None, lang: str) -> str:
    if length is None and width is None and thickness is None:
        return "—"
    parts = [format_number(v, lang) if v is not None else "?" for v in (length, width, thickness)]
    # A line may break after a ×, never inside a number or before its unit.
    return f"{NBSP}× ".join(parts) + f"{NBSP}mm"


def _local(value: datetime, tz: ZoneInfo | None = None) -> datetime:
    return value.astimezone(tz or get_settings().tz) if value.tzinfo else value


def format_date(value: date | datetime | None, lang: str) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = _local(value)
    month = month_name(value.month, lang)
    day = "1er" if lang == "fr" and value.day == 1 else str(value.day)
    return f"{day} {month} {value.year}"


def format_datetime(value: datetime | None, lang: str, tz: ZoneInfo | None = None) -> str:
    """In the time zone `tz` (default the installation's): '12 mars 2026 à 14:05' or
    '12 March 2026 at 14:05'."""
    if value is None:
        return "—"
    local = _local(value, tz)
    joint = "à" if lang == "fr" else "at"
    return f"{format_date(local.date(), lang)} {joint} {local:%H:%M}"
