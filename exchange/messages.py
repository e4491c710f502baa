"""Words with a message id: the gettext catalogues (exchange/locale/<lang>/LC_MESSAGES/messages.po)
and the marker that code uses for any sentence a person may read.

Message ids are the English source text with %-placeholders (`"Moved to %(workshop)s."`), the
form Poedit and Weblate know; `make messages` extracts them from the code and the templates
with Babel and updates each language's `.po`. The catalogues are compiled in memory from the
`.po` files at first use (no `.mo` is kept in the repository, so none can be stale).

Code does not translate where it writes a sentence: `_()` and `ngettext()` return a
`Message` (the id and its values), translated where it is shown: a page in the reader's
language (`translate(lang, message)`, or Jinja's finalize for a Message printed in a template),
the API's problem details in English (`str(message)`) beside the id (`message.msgid`).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
LANGS = ("fr", "en")
DEFAULT_LANG = "fr"


@cache
def translations(lang: str) -> NullTranslations:
    """The language's catalogue, compiled from its .po once per process (about 20 ms)."""
    po = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if lang not in LANGS or not po.is_file():
        return NullTranslations()
    with po.open("rb") as source:
        catalog = read_po(source, locale=lang, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


# French elision before a value that begins with a vowel: "de %(material)s" with "aluminium"
# reads "d'aluminium", "Chiffres de %(month)s" with "avril 2026" reads "Chiffres d'avril 2026".
# (A language's grammar at the placeholders, one function per language that needs it.)
_FRENCH_ELIDED = re.compile(r"\b([DdLlJjMmNnSsTtCc]e|[Qq]ue|[Ll]a) %\((\w+)\)s")
_VOWEL = re.compile(r"[aeiouyàâäéèêëîïôöùûüœAEIOUYÀÂÄÉÈÊËÎÏÔÖÙÛÜŒ]")


@cache
def _elidable(text: str) -> bool:
    return _FRENCH_ELIDED.search(text) is not None


def _elide_french(text: str, values: dict[str, Any]) -> str:
    if not _elidable(text):  # most sentences: one cached lookup (the regex took 15 µs a call)
        return text

    def elided(match: re.Match) -> str:
        word, name = match.group(1), match.group(2)
        shown = str(values.get(name, ""))
        if not _VOWEL.match(shown[:1]):
            return match.group(0)
        return f"{word[:-1]}'%({name})s" if word[-1] == "e" else f"{word[0]}'%({name})s"

    return _FRENCH_ELIDED.sub(elided, text)


ELISIONS = {"fr": _elide_french}


def _shown_value(value: Any, lang: str) -> Any:
    """A value inside a sentence, in the reader's language: a nested Message translated, a decimal
    number with the locale's decimal comma or point ("3,958" / "3.958")."""
    if isinstance(value, Message):
        return value.translate(lang)
    if isinstance(value, float | Decimal):
        return format_decimal(value, locale=lang)
    return value


@dataclass(frozen=True, slots=True)
class Message:
    """A sentence not yet translated: its id (English source text), the plural form's id and
    the count when it has one, and the values of its %(name)s placeholders."""

    msgid: str
    params: dict[str, Any] = field(default_factory=dict)
    plural: str | None = None
    n: int | None = None
    context: str | None = None  # msgctxt, when one English text has two French ones

    def translate(self, lang: str) -> str:
        catalogue = translations(lang)
        if self.context is not None:
            text = catalogue.pgettext(self.context, self.msgid)
        elif self.plural is None:
            text = catalogue.gettext(self.msgid)
        else:
            text = catalogue.ngettext(self.msgid, self.plural, self.n or 0)
        values = {name: _shown_value(value, lang) for name, value in self.params.items()}
        if lang in ELISIONS and values:
            text = ELISIONS[lang](text, values)
        try:
            return text % values
        except (KeyError, TypeError, ValueError):  # a text that is data, not a message id ("100% wool")
            return text

    def __str__(self) -> str:
        """The English text (the API's `detail`, the log)."""
        return self.translate("en")

    def as_json(self) -> dict[str, Any]:
        """Plain data to carry the message to the next page (the flash cookie)."""
        params = {k: (v.as_json() if isinstance(v, Message) else v) for k, v in self.params.items()}
        return {"msgid": self.msgid, "plural": self.plural, "n": self.n, "context": self.context, "params": params}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Message:
        params = {
            str(k): (cls.from_json(v) if isinstance(v, dict) and "msgid" in v else v)
            for k, v in (data.get("params") or {}).items()
        }
        n = data.get("n")
        plural, context = data.get("plural"), data.get("context")
        return cls(
            str(data.get("msgid", "")),
            params,
            str(plural) if plural is not None else None,
            int(n) if n is not None else None,
            str(context) if context is not None else None,
        )


def _(msgid: str, **params: Any) -> Message:
    """Mark a sentence for the catalogue; translated where it is shown."""
    return Message(msgid, params)


def pgettext(context: str, msgid: str, **params: Any) -> Message:
    """A sentence whose English text has another meaning elsewhere ("Log in": a button, a title)."""
    return Message(msgid, params, context=context)


def ngettext(singular: str, plural: str, n: int, **params: Any) -> Message:
    """A counted sentence ("%(num)d piece" / "%(num)d pieces"): `num` is the count, as in Jinja."""
    return Message(singular, {"num": n, **params}, plural, n)


def translate(lang: str, text: Message | str) -> str:
    """What a page shows: a Message in the reader's language; a plain string (data) as it is."""
    return text.translate(lang) if isinstance(text, Message) else text


class MessageError(Exception):
    """An error whose message has an id and values: the API answers with the English text and the
    id (a stable code), a page shows it in the reader's language (`error.text`)."""

    def __init__(self, text: Message | str) -> None:
        self.text = text if isinstance(text, Message) else Message(text)
        super().__init__(str(self.text))

    @property
    def message(self) -> str:
        return str(self.text)
