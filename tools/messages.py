"""`make messages`: extract the sentences from the code and the templates, update each language's
catalogue (exchange/locale/<lang>/LC_MESSAGES/messages.po), and fill the English one.

English is the source language: its msgids are the English sentences, so en.po repeats each
msgid as its msgstr (a translator may still reword one there). French keeps gettext's classic
two plural forms, "1 pièce", "2 pièces" (and "0 pièce"), not CLDR's third form for millions.

    python -m tools.messages          (what `make messages` runs)
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "exchange" / "locale"
PLURAL_FORMS = {"fr": "nplurals=2; plural=(n > 1);", "en": "nplurals=2; plural=(n != 1);"}
# Fewer merge conflicts between branches: no file:line locations, sorted messages, no re-wrapping.
EXTRACT = ["--no-location", "--sort-output", "--no-wrap", "-k", "pgettext:1c,2", "--project=Exchange"]


def pybabel(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True, cwd=ROOT)


def fix(lang: str) -> None:
    path = LOCALE / lang / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as source:
        catalog = read_po(source, locale=lang)
    headers = dict(catalog.mime_headers)
    headers["Plural-Forms"] = PLURAL_FORMS[lang]
    catalog.mime_headers = list(headers.items())
    if lang == "en":  # a new or fuzzy-matched English message: its msgid, as it is
        for message in catalog:
            empty = not (message.string if isinstance(message.string, str) else all(message.string))
            if message.id and (empty or message.fuzzy):
                message.string = message.id
                message.flags.discard("fuzzy")
    with path.open("wb") as target:
        write_po(target, catalog, width=0, sort_output=True, ignore_obsolete=True)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        pot = str(Path(tmp) / "messages.pot")
        pybabel("extract", "-F", "babel.cfg", *EXTRACT, "-o", pot, ".")
        for lang in PLURAL_FORMS:
            po = LOCALE / lang / "LC_MESSAGES" / "messages.po"
            if po.exists():
                pybabel(
                    "update",
                    "-i",
                    pot,
                    "-d",
                    str(LOCALE),
                    "-l",
                    lang,
                    "--no-wrap",
                    "--ignore-obsolete",
                    "--ignore-pot-creation-date",
                )
            else:
                pybabel("init", "-i", pot, "-d", str(LOCALE), "-l", lang, "--no-wrap")
            fix(lang)


if __name__ == "__main__":
    main()
