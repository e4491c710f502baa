"""What the figures API answers and reads. Masses in kg (three decimals: to the gram)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from exchange.lieu.schemas import FactorOut


class Figures(msgspec.Struct, kw_only=True):
    """The design's figures for one scope and one month (DESIGN.md, "Figures")."""

    intake_kg: float
    reused_kg: float
    recycled_kg: float
    discarded_kg: float
    loss_kg: float
    adjusted_kg: float
    # For a workshop: mass moved in from / out to other workshops. For the lieu or a
    # category: the mass moved between workshops (in = out: moves change no total).
    moved_in_kg: float
    moved_out_kg: float
    # Mass passed to or from a workshop of another lieu of the network (0 in a single lieu).
    transferred_in_kg: float = 0.0
    transferred_out_kg: float = 0.0
    opening_stock_kg: float
    stock_kg: float
    waste_avoided_kg: float
    diverted_kg: float
    reuse_rate: float | None
    co2e_avoided_kg: float
    items_reused: int


class CategoryFigures(Figures, kw_only=True):
    category: str


class WorkshopFigures(Figures, kw_only=True):
    workshop: str


class LieuFigures(Figures, kw_only=True):
    lieu: str
    timezone: str


class FactorSetOut(msgspec.Struct):
    version: str
    created_at: datetime
    note: str


class Equivalence(msgspec.Struct):
    """ "Like N new products not bought": N from the reused mass and the shipped density alone."""

    category: str
    reused_kg: float
    count: float  # rounded down to a tenth
    object: str  # one new product, e.g. "plywood sheet"
    object_fr: str
    size: str  # e.g. "2440 x 1220 x 18 mm"
    density_kg_m3: float  # the category's shipped density
    unit_mass_kg: float  # size x density
    basis: str  # the arithmetic, written out


class FiguresOut(Figures, kw_only=True):
    month: str
    timezone: str
    period_start: datetime  # in the lieu's time zone, with its offset
    period_end: datetime  # exclusive
    workshop: str | None
    category: str | None
    equivalences: list[Equivalence]
    by_category: list[CategoryFigures]
    by_workshop: list[WorkshopFigures]
    factor_set: FactorSetOut
    lieu: str | None = None  # the lieu's slug (None: the network's figures)
    scope: str = "lieu"  # or "network": the sum of the lieux' months, transfers cancelling
    by_lieu: list[LieuFigures] = []


class TrendMonth(msgspec.Struct):
    month: str
    reused_kg: float
    recycled_kg: float
    discarded_kg: float
    co2e_avoided_kg: float


class TrendOut(msgspec.Struct):
    timezone: str
    months: list[TrendMonth]
    factor_set: FactorSetOut


# Printable text: no control characters (PostgreSQL refuses NUL; none belongs in a source).
_TEXT = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"


class FactorIn(msgspec.Struct, forbid_unknown_fields=True):
    """A lieu's own factor for one category: replaces the current one in a new factor set."""

    kind: Literal["reuse", "recycle"]
    value: Annotated[float, msgspec.Meta(ge=0, le=1000, description="kg CO2e per kg")]
    source: Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=_TEXT)]
    version: Annotated[str, msgspec.Meta(max_length=60, pattern=_TEXT)] = ""
    entry: Annotated[str, msgspec.Meta(max_length=200, pattern=_TEXT)] = ""
    note: Annotated[str, msgspec.Meta(max_length=2000, pattern=_TEXT)] = ""


class FactorRow(FactorOut):
    """One factor of a factor set: its category and kind (reuse or recycle), then the factor."""

    category: str
    kind: str


class FactorSetSummary(msgspec.Struct):
    version: str
    created_at: datetime
    note: str
    current: bool
    # The member who set it: shown to members only (null for a reader not logged in).
    set_by: str | None


class FactorSetDetail(msgspec.Struct):
    version: str
    created_at: datetime
    note: str
    current: bool
    # The member who set it: shown to members only (null for a reader not logged in).
    set_by: str | None
    factors: list[FactorRow]
