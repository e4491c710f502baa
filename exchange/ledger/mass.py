"""Mass in integer grams (exact sums), estimated from millimetre dimensions and density."""

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from math import floor

from exchange.ledger.rules import MAX_MASS_G, Invalid
from exchange.messages import _

# kg/m3 x mm3 -> g: 1 m3 = 1e9 mm3 and 1 kg = 1e3 g, so divide by 1e6.
_MM3_KG_M3_PER_G = 10**6


def round_half_up(value: Fraction) -> int:
    """Nearest integer, halves away from zero for positives (not banker's rounding)."""
    return floor(value + Fraction(1, 2))


def density_fraction(density_kg_m3: float) -> Fraction:
    """The density as written (600.5 stays 1201/2), not its binary float approximation."""
    return Fraction(str(density_kg_m3))


def volume_mm3(length_mm: int | None, width_mm: int | None, thickness_mm: int | None, quantity: int = 1) -> int | None:
    if length_mm is None or width_mm is None or thickness_mm is None:
        return None
    return length_mm * width_mm * thickness_mm * quantity


def exact_mass_g(volume: int, density_kg_m3: float) -> Fraction:
    return volume * density_fraction(density_kg_m3) / _MM3_KG_M3_PER_G


def estimate_mass_g(
    length_mm: int | None,
    width_mm: int | None,
    thickness_mm: int | None,
    quantity: int,
    density_kg_m3: float,
) -> int | None:
    """Volume x density, to the nearest gram; None when a dimension is missing."""
    volume = volume_mm3(length_mm, width_mm, thickness_mm, quantity)
    if volume is None:
        return None
    return round_half_up(exact_mass_g(volume, density_kg_m3))


def resolve_mass(
    weighed_g: int | None,
    length_mm: int | None,
    width_mm: int | None,
    thickness_mm: int | None,
    quantity: int,
    density_kg_m3: float,
) -> tuple[int | None, str | None]:
    """(mass_g, mass_source): a weighing beats an estimate; neither gives (None, None). An
    estimate obeys the limit of a weighing (Invalid naming the dimensions beyond it)."""
    if weighed_g is not None:
        return weighed_g, "weighed"
    estimate = estimate_mass_g(length_mm, width_mm, thickness_mm, quantity, density_kg_m3)
    if estimate is None:
        return None, None
    check_estimate(estimate, length_mm, width_mm, thickness_mm, quantity)
    return estimate, "estimated"


def check_estimate(
    mass_g: int, length_mm: int, width_mm: int, thickness_mm: int, quantity: int, field: str = "length_mm"
) -> None:
    """An estimated mass past MAX_MASS_G is refused like a weighed one: 20 m x 20 m x 20 m x 10,000
    was taken for 50,600,000,000 kg and counted in the month's intake."""
    if mass_g > MAX_MASS_G:
        dimensions = f"{length_mm} x {width_mm} x {thickness_mm} mm" + (f" x {quantity}" if quantity != 1 else "")
        raise Invalid(
            _(
                "%(dimensions)s gives an estimated %(kg)s kg, more than the %(max)s kg an item may weigh: "
                "check the dimensions (in millimetres) and the quantity.",
                dimensions=dimensions,
                kg=format_kg(mass_g),
                max=format_kg(MAX_MASS_G),
            ),
            field=field,
        )


def g_from_kg(mass_kg: float) -> int:
    """Grams from a kg figure as written (0.0125 kg -> 13 g, halves rounded up)."""
    return int(Decimal(str(mass_kg)).scaleb(3).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def format_kg(mass_g: int) -> str:
    """Grams shown as kg without trailing zeros: 32149 -> '32.149', 2000 -> '2'."""
    sign = "-" if mass_g < 0 else ""
    kg, g = divmod(abs(mass_g), 1000)
    return f"{sign}{kg}" + (f".{g:03d}".rstrip("0") if g else "")
