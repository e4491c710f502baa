"""The columns of a lieu's spreadsheet: each field of an item with its header in French and in
English, and the other names people give it. One catalogue for reading (headers found with
accents, case, spaces and units ignored) and for writing (the reader's language), so that an
export always reads back in."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    field: str  # the API's field name (ItemCreate), also the English header
    fr: str
    en: str
    aliases: tuple[str, ...] = ()

    def header(self, lang: str) -> str:
        return self.fr if lang == "fr" else self.en


# In the order an export writes them.
ITEM_COLUMNS: tuple[Column, ...] = (
    Column("code", "code", "code", ("etiquette", "code etiquette", "label")),
    Column("category", "catégorie", "category", ("categorie", "materiau", "matiere", "material")),
    Column("title", "titre", "title", ("désignation", "libellé", "description", "nom", "name")),
    Column("length_mm", "longueur", "length_mm", ("length", "long")),
    Column("width_mm", "largeur", "width_mm", ("width", "larg")),
    Column("thickness_mm", "épaisseur", "thickness_mm", ("thickness", "ep", "epais")),
    Column("quantity", "quantité", "quantity", ("qte", "qty", "nombre", "pieces", "nb")),
    Column("mass_kg", "masse", "mass_kg", ("poids", "mass", "weight", "masse kg", "poids kg")),
    Column("workshop", "atelier", "workshop", ("lieu de stockage", "emplacement", "location")),
    Column("condition", "état", "condition", ("etat",)),
    Column("origin", "origine", "origin", ("provenance", "source", "donateur")),
    Column("occurred_at", "date", "occurred_at", ("date d'entree", "date entree", "entree", "date of intake", "when")),
    Column("note", "note", "note", ("notes", "remarque", "remarques", "commentaire", "comment")),
)
IMPORTED_FIELDS = frozenset(column.field for column in ITEM_COLUMNS)

_UNITS = re.compile(r"\b(mm|kg|g|cm|m)\b$")


def normalized(text: str) -> str:
    """ "Épaisseur (mm)" → "epaisseur mm": accents, case, punctuation and spacing ignored."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[^0-9a-z]+", " ", plain).split())


def _without_unit(text: str) -> str:
    return _UNITS.sub("", text).strip()


_BY_NAME: dict[str, str] = {}
for _column in ITEM_COLUMNS:
    for _name in (_column.field, _column.fr, _column.en, *_column.aliases):
        _BY_NAME.setdefault(normalized(_name), _column.field)
        _BY_NAME.setdefault(_without_unit(normalized(_name)), _column.field)


def field_for_header(header: object) -> str | None:
    """The item field a header names, or None for a column the import does not read."""
    if header is None:
        return None
    name = normalized(str(header))
    if not name:
        return None
    return _BY_NAME.get(name) or _BY_NAME.get(_without_unit(name))
