from __future__ import annotations

from typing import Annotated, Literal

import msgspec


class WorkshopCreate(msgspec.Struct, forbid_unknown_fields=True):
    slug: Annotated[str, msgspec.Meta(min_length=1, max_length=60)]
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=120)]
    lieu: Annotated[str, msgspec.Meta(min_length=1, max_length=60)] | None = None  # default: the actor's own


class WorkshopOut(msgspec.Struct):
    slug: str
    name: str
    lieu: str


class FactorOut(msgspec.Struct):
    """An impact factor: value in kg CO2e per kg, and where it came from."""

    value: float
    unit: str
    source: str
    version: str
    entry: str
    note: str


class CategoryOut(msgspec.Struct):
    slug: str
    name: str
    name_fr: str
    density_kg_m3: float | None
    reuse_factor: FactorOut | None
    recycle_factor: FactorOut | None


class LieuCreate(msgspec.Struct, forbid_unknown_fields=True):
    slug: Annotated[str, msgspec.Meta(min_length=1, max_length=60)]
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=120)]
    city: Annotated[str, msgspec.Meta(max_length=120)] = ""
    latitude: float | None = None
    longitude: float | None = None
    time_zone: Annotated[str, msgspec.Meta(min_length=1, max_length=64)] = "Europe/Paris"
    shares_with_network: bool = True
    language: Literal["fr", "en"] = "fr"  # what its printed labels speak


class LieuOut(msgspec.Struct):
    slug: str
    name: str
    city: str
    latitude: float | None
    longitude: float | None
    time_zone: str
    shares_with_network: bool
    language: str
