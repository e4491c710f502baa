"""Search words as people type them: "chene" finds "Chêne", "contreplaque" finds "Contreplaqué".

Items keep their title and note folded (lower case, accents and ligatures dropped) in the
`item.search` column, written by intake, split and adjust, so that both engines match with a
plain LIKE (SQLite's LOWER() leaves "É" alone and PostgreSQL's unaccent is an extension a
lieu may not have). Categories are matched by their names here, in Python: a lieu has a few
dozen, and a renamed category is found by its new name at once.
"""

from __future__ import annotations

import re
import unicodedata

MAX_WORDS = 6
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d"})


def fold(text: str | None) -> str:
    """Lower case without accents: "Contreplaqué Œuvre" → "contreplaque oeuvre"."""
    folded = text or ""
    # Case folding and compatibility decomposition each can uncover work for the other
    # ("ℌ" decomposes to "H"; hypothesis found it): repeat until nothing changes.
    for _ in range(4):
        decomposed = unicodedata.normalize("NFKD", folded.casefold().translate(_LIGATURES))
        again = "".join(c for c in decomposed if not unicodedata.combining(c))
        if again == folded:
            break
        folded = again
    return folded


_NOT_WORD = re.compile(r"[\W_]+")


def _words(text: str | None) -> list[str]:
    """Folded words, punctuation as a separator: "Plateau d'établi" → ["plateau", "d", "etabli"]."""
    return _NOT_WORD.sub(" ", fold(text)).split()


def search_text(title: str | None, note: str | None) -> str:
    """What `item.search` holds for an item: its words one space apart, so that a search finds
    a word where it begins ("20" finds "2000", not "1200"; "etabli" finds "d'établi")."""
    return " ".join(_words(title) + _words(note))


def words_of(query: str | None) -> list[str]:
    """The folded words of a search, each to be found at the start of a word somewhere (at most MAX_WORDS)."""
    return _words(query)[:MAX_WORDS]


def matching_categories(word: str, categories: list[dict]) -> list[int]:
    """Ids of the categories whose slug or name (either language) holds the folded `word`."""
    return [c["id"] for c in categories if any(word in fold(c.get(key)) for key in ("slug", "name", "name_fr"))]
