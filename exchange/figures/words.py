"""Month names and the plural of an object's name for the figures pages (their sentences are in
the gettext catalogues, exchange.messages)."""

from __future__ import annotations

from babel.dates import get_month_names

from exchange.messages import _

# A factor's use, as a sentence says it ("facteur de réemploi", "reuse factor").
FACTOR_USES = {"reuse": _("reuse"), "recycle": _("recycling")}


def month_name(number: int, lang: str, short: bool = False) -> str:
    """The month's name in the reader's language, from Babel's CLDR data ("mars", "janv.", "March", "Jan")."""
    return get_month_names("abbreviated" if short else "wide", locale=lang if lang in ("fr", "en") else "fr")[number]


def plural(name: str, count: float, lang: str) -> str:
    """ "panneau de contreplaqué" → "panneaux de contreplaqué" from 2 on (French);
    "plywood sheet" → "plywood sheets" unless exactly 1 (English)."""
    if lang == "fr":
        if count < 2:
            return name
        first, _, rest = name.partition(" ")
        first = first + ("x" if first.endswith("eau") else "" if first.endswith(("s", "x")) else "s")
        return f"{first} {rest}".strip()
    return name if count == 1 else name + "s"


def lower_first(name: str) -> str:
    """ "Contreplaqué" → "contreplaqué" in a sentence; "MDF" stays."""
    return name if len(name) > 1 and name[1].isupper() else name[:1].lower() + name[1:]


def month_label(month: str, lang: str, short: bool = False) -> str:
    """ "2025-03" → "mars 2025" / "March 2025" (short: "mars 25" / "Mar 25")."""
    year, number = int(month[:4]), int(month[5:7])
    return f"{month_name(number, lang, short)} {str(year)[2:] if short else year}"
