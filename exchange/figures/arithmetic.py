"""The figures' arithmetic, pure: months in the lieu's time zone, sums in integer grams,
the derived figures, the mass balance and the equivalences.

Masses are integer grams everywhere inside; kilograms (grams / 1000) appear only at the
edge, when a figure is written out. CO2e is kept as an exact Decimal (grams x factor)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from math import floor

from exchange.ledger.rules import EventKind, Invalid
from exchange.messages import _

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
MIN_YEAR, MAX_YEAR = 1970, 9998
MAX_MONTHS = 120  # ten years in one export or trend


# ---------------------------------------------------------------------------------------------
# Months


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def next(self) -> Month:
        return Month(self.year + (self.month == 12), self.month % 12 + 1)

    def previous(self) -> Month:
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    def plus(self, months: int) -> Month:
        index = self.year * 12 + self.month - 1 + months
        return Month(index // 12, index % 12 + 1)

    def minus(self, other: Month) -> int:
        """How many months from `other` to self."""
        return (self.year - other.year) * 12 + self.month - other.month

    def start(self, tz: tzinfo) -> datetime:
        """Midnight of the first day in the lieu's time zone, as a UTC instant."""
        return datetime(self.year, self.month, 1, tzinfo=tz).astimezone(UTC)


def parse_month(text: str | None, field: str = "month") -> Month:
    """ "YYYY-MM" → Month; anything else is a 422 naming the field."""
    match = _MONTH.match((text or "").strip())
    if not match:
        raise Invalid(_("A month is written YYYY-MM, e.g. 2026-03 (got '%(text)s').", text=text), field=field)
    year, month = int(match.group(1)), int(match.group(2))
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise Invalid(_("The year must be between %(min)s and %(max)s.", min=MIN_YEAR, max=MAX_YEAR), field=field)
    return Month(year, month)


def month_of(instant: datetime, tz: tzinfo) -> Month:
    """The lieu's month an instant falls in."""
    local = instant.astimezone(tz)
    return Month(local.year, local.month)


def month_bounds(month: Month | str, tz: tzinfo) -> tuple[datetime, datetime]:
    """[start, end) of a month in the lieu's time zone, as UTC instants (DST safe: a March
    in Paris is 31 days minus one hour long, an October 31 days plus one hour)."""
    month = parse_month(month) if isinstance(month, str) else month
    return month.start(tz), month.next().start(tz)


def months_between(first: Month, last: Month) -> list[Month]:
    return [first.plus(i) for i in range(last.minus(first) + 1)]


def month_range(from_text: str | None, to_text: str | None) -> list[Month]:
    """The months from `from` to `to`, both included, at most MAX_MONTHS."""
    first, last = parse_month(from_text, "from"), parse_month(to_text, "to")
    if last < first:
        raise Invalid(_("`to` is before `from`."), field="to")
    if last.minus(first) + 1 > MAX_MONTHS:
        raise Invalid(_("At most %(max)s months at once.", max=MAX_MONTHS), field="to")
    return months_between(first, last)


def boundaries(months: list[Month], tz: tzinfo) -> list[datetime]:
    """The UTC instants that cut the ledger into the given consecutive months:
    len(months) + 1 of them, the first month's start to the last month's end."""
    return [m.start(tz) for m in months] + [months[-1].next().start(tz)]


# ---------------------------------------------------------------------------------------------
# Sums and derived figures


@dataclass
class Sums:
    """What the ledger says about one scope (lieu, workshop, category or both) over one
    period, in integer grams; `net_g` is the signed sum of every event's effect on the stock
    (intake +, piece +, split −parent, use/recycle/discard −, adjust ±, moves and transfers ±),
    computed independently of the flows so the balance is a real check. A move stays inside
    the lieu (moved_*), a transfer goes to a workshop of another lieu (transferred_*)."""

    intake_g: int = 0
    reused_g: int = 0
    recycled_g: int = 0
    discarded_g: int = 0
    loss_g: int = 0
    adjusted_g: int = 0
    moved_in_g: int = 0
    moved_out_g: int = 0
    transferred_in_g: int = 0
    transferred_out_g: int = 0
    opening_g: int = 0
    net_g: int = 0
    items_reused: int = 0
    co2e_kg: Decimal = field(default_factory=Decimal)

    @property
    def closing_g(self) -> int:
        return self.opening_g + self.net_g

    def add(self, other: Sums) -> Sums:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))
        return self

    @classmethod
    def total(cls, many) -> Sums:
        result = cls()
        for sums in many:
            result.add(sums)
        return result

    def is_empty(self) -> bool:
        return all(not getattr(self, f.name) for f in fields(self))


def balance_gap_g(s: Sums) -> int:
    """Left minus right of the mass balance; 0 when it holds:
    opening + intake + adjusted + moved_in + transferred_in
    = reused + recycled + discarded + loss + moved_out + transferred_out + closing."""
    left = s.opening_g + s.intake_g + s.adjusted_g + s.moved_in_g + s.transferred_in_g
    right = s.reused_g + s.recycled_g + s.discarded_g + s.loss_g + s.moved_out_g + s.transferred_out_g + s.closing_g
    return left - right


def network_sums(by_lieu: Iterable[Sums]) -> Sums:
    """The network's month: the sum of its lieux' months, with transfers cancelling.

    A transfer is out of one lieu and into another: what went out and came in within the
    network cancels, and so does a move between the workshops of one lieu. Only what the
    lieux' own months cut apart remains (a transfer at 22:00 UTC on the last day is next
    month already in La Réunion, UTC+4): in minus out over the network, on the side it
    falls. The balance still holds, since the same mass leaves both of its sides. CO2e is
    the sum of each lieu's own, counted where the piece was used (a transfer carries none)."""
    total = Sums.total(by_lieu)
    both = min(total.transferred_in_g, total.transferred_out_g)
    total.transferred_in_g -= both
    total.transferred_out_g -= both
    return total


def waste_avoided_g(s: Sums) -> int:
    return s.reused_g


def diverted_g(s: Sums) -> int:
    return s.reused_g + s.recycled_g


def reuse_rate(s: Sums) -> Fraction | None:
    """reused / (reused + recycled + discarded); None when nothing left the lieu."""
    left = s.reused_g + s.recycled_g + s.discarded_g
    return None if left == 0 else Fraction(s.reused_g, left)


def co2e_kg(reused_g: int, recycled_g: int, reuse_factor: float | None, recycle_factor: float | None) -> Decimal:
    """kg CO2e avoided: kg reused x reuse factor + kg recycled x recycling factor (factors in
    kg CO2e per kg, taken as written, e.g. 0.263, not as their binary approximation)."""
    total = Decimal(0)
    if reuse_factor:
        total += Decimal(reused_g) / 1000 * Decimal(str(reuse_factor))
    if recycle_factor:
        total += Decimal(recycled_g) / 1000 * Decimal(str(recycle_factor))
    return total


def kg(grams: int) -> float:
    """Grams to kilograms, at the edge (exact to the gram in a float)."""
    return grams / 1000


def kg_text(grams: int) -> str:
    """Grams as kilograms with a point and three decimals, e.g. 12500 → "12.500"."""
    sign = "-" if grams < 0 else ""
    whole, rest = divmod(abs(grams), 1000)
    return f"{sign}{whole}.{rest:03d}"


def round_decimal(value: Decimal, places: int = 3) -> float:
    return float(value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def decimal_text(value: Decimal, places: int = 3) -> str:
    return str(value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def rate_value(rate: Fraction | None, places: int = 4) -> float | None:
    if rate is None:
        return None
    return round_decimal(Decimal(rate.numerator) / Decimal(rate.denominator), places)


# ---------------------------------------------------------------------------------------------
# Equivalences: "like N new sheets not bought", only where it is exact from the shipped density


@dataclass(frozen=True)
class Reference:
    """A new product of a category whose mass follows exactly from its size and the
    category's shipped density (no other assumption)."""

    category: str
    length_mm: int
    width_mm: int
    thickness_mm: int
    name: str  # one new product, e.g. "plywood sheet" (the size is said beside it)
    name_fr: str

    @property
    def size(self) -> str:
        return f"{self.length_mm} x {self.width_mm} x {self.thickness_mm} mm"


REFERENCES: tuple[Reference, ...] = (
    Reference("plywood", 2440, 1220, 18, "plywood sheet", "panneau de contreplaqué"),
    Reference("mdf", 2440, 1220, 18, "MDF sheet", "panneau de MDF"),
    Reference("osb", 2500, 1250, 18, "OSB sheet", "panneau d'OSB"),
    Reference("particleboard", 2800, 2070, 19, "particleboard sheet", "panneau d'aggloméré"),
    Reference("softwood", 2400, 95, 45, "softwood stud", "montant en résineux"),
    Reference("steel", 2000, 1000, 2, "steel sheet", "tôle d'acier"),
    Reference("aluminium", 2000, 1000, 2, "aluminium sheet", "tôle d'aluminium"),
    Reference("glass", 1000, 1000, 4, "glass pane", "vitre"),
)


def reference_mass_g(reference: Reference, density_kg_m3: float) -> Fraction:
    """Exact mass of one reference product: mm3 x kg/m3 / 1e6 = g."""
    volume = reference.length_mm * reference.width_mm * reference.thickness_mm
    return Fraction(volume) * Fraction(str(density_kg_m3)) / 10**6


@dataclass(frozen=True)
class EquivalenceValue:
    reference: Reference
    density_kg_m3: float
    reused_g: int
    unit_mass_g: Fraction
    count: Fraction

    @property
    def category(self) -> str:
        return self.reference.category

    @property
    def count_tenths(self) -> float:
        """The count rounded down to a tenth: never more than the kilos allow."""
        return floor(self.count * 10) / 10

    @property
    def unit_mass_kg(self) -> Decimal:
        return Decimal(self.unit_mass_g.numerator) / Decimal(self.unit_mass_g.denominator) / 1000

    @property
    def basis(self) -> str:
        r = self.reference
        unit = f"{self.unit_mass_kg.normalize():f}"
        return (
            f"{r.size} x {Decimal(str(self.density_kg_m3)).normalize():f} kg/m3 = {unit} kg each; "
            f"{kg_text(self.reused_g)} kg / {unit} kg = {float(self.count):.3f}"
        )


def equivalences(
    reused_g_by_category: dict[str, int], density_by_category: dict[str, float | None]
) -> list[EquivalenceValue]:
    """For each category reused this period that has a reference product and a shipped
    density, how many new products of that size its reused mass makes."""
    result = []
    for reference in REFERENCES:
        grams = reused_g_by_category.get(reference.category, 0)
        density = density_by_category.get(reference.category)
        if grams <= 0 or not density:
            continue
        unit = reference_mass_g(reference, density)
        result.append(EquivalenceValue(reference, density, grams, unit, Fraction(grams) / unit))
    return result


# How each kind of event changes the stock at its own workshop and category (reserve and release: not at all).
SIGNS = {
    EventKind.intake: 1,
    EventKind.piece: 1,
    EventKind.adjust: 1,
    EventKind.move: 1,
    EventKind.transfer: 1,
    EventKind.split: -1,
    EventKind.use: -1,
    EventKind.recycle: -1,
    EventKind.discard: -1,
}
