"""The shipped material categories and their impact factors.

Reads ``exchange/data/categories.json`` (see ``exchange/data/README.md`` for the
sources). Pure data: no database code here; seeding the tables and a lieu's own
overrides live elsewhere.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

__all__ = ["Factor", "CategoryData", "shipped_factor_set", "shipped_categories"]

_DATA_FILE = "data/categories.json"


@dataclass(frozen=True)
class Factor:
    """An impact factor with its provenance (value in kg CO2e per kg)."""

    value: float
    unit: str
    source: str
    version: str
    entry: str
    note: str

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Factor:
        return cls(
            value=float(raw["value"]),
            unit=str(raw["unit"]),
            source=str(raw["source"]),
            version=str(raw["version"]),
            entry=str(raw["entry"]),
            note=str(raw["note"]),
        )


@dataclass(frozen=True)
class CategoryData:
    """A shipped category: names, density and its two factors."""

    slug: str
    name: str
    name_fr: str
    density_kg_m3: float | None
    density_source: str | None
    reuse_factor: Factor
    recycle_factor: Factor

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> CategoryData:
        density = raw.get("density_kg_m3")
        return cls(
            slug=str(raw["slug"]),
            name=str(raw["name"]),
            name_fr=str(raw["name_fr"]),
            density_kg_m3=None if density is None else float(density),
            density_source=raw.get("density_source"),
            reuse_factor=Factor.from_dict(raw["reuse_factor"]),
            recycle_factor=Factor.from_dict(raw["recycle_factor"]),
        )


@cache
def _load() -> dict[str, Any]:
    text = files("exchange").joinpath(_DATA_FILE).read_text(encoding="utf-8")
    return json.loads(text)


def shipped_factor_set() -> dict:
    """The factor set header: ``{"version", "name", "note"}`` (a fresh copy)."""
    return dict(_load()["factor_set"])


@cache
def _categories() -> tuple[CategoryData, ...]:
    return tuple(CategoryData.from_dict(raw) for raw in _load()["categories"])


def shipped_categories() -> list[CategoryData]:
    """The shipped categories, in file order (a fresh list of frozen objects)."""
    return list(_categories())


def extract_shipped_words(fileobj, keywords, comment_tags, options):
    """Babel extractor (babel.cfg) for categories.json: the factor set's name and note and each
    factor's note, so translators give them in French; sources and entries are quoted as published."""
    data = json.load(fileobj)
    texts = [data["factor_set"]["name"], data["factor_set"]["note"]]
    for category in data["categories"]:
        texts += [f["note"] for f in (category.get("reuse_factor"), category.get("recycle_factor")) if f]
    for text in dict.fromkeys(t for t in texts if t):
        yield 1, "gettext", text, ["shipped factor data (exchange/data/categories.json)"]
