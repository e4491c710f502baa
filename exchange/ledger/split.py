"""Cutting an item into pieces: piece masses and the process loss, conserved to the gram."""

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from math import floor

from exchange.ledger.mass import check_estimate, exact_mass_g, round_half_up, volume_mm3
from exchange.ledger.rules import MAX_DIMENSION_MM, MAX_MASS_G, MAX_QUANTITY, Invalid
from exchange.messages import Message, _


@dataclass(frozen=True)
class PieceSpec:
    length_mm: int
    width_mm: int
    thickness_mm: int
    quantity: int = 1
    mass_g: int | None = None  # weighed; None to estimate
    title: str | None = None


@dataclass(frozen=True)
class SplitPlan:
    piece_masses_g: list[int]
    piece_mass_sources: list[str]  # "weighed" or "estimated", one per piece
    loss_g: int  # parent - sum(pieces), >= 0


def kg_of(mass_g: int) -> Decimal:
    """Grams as an exact kg number, shown in a message with the reader's decimal comma or point."""
    return Decimal(mass_g).scaleb(-3)


def _refuse(message: Message) -> Invalid:
    return Invalid(message, field="pieces")


def _check_piece(number: int, piece: PieceSpec, length: int | None, width: int | None, thickness: int | None) -> None:
    for name in ("length_mm", "width_mm", "thickness_mm"):
        value = getattr(piece, name)
        if not 1 <= value <= MAX_DIMENSION_MM:
            raise _refuse(
                _(
                    "Piece %(number)s: %(name)s must be between 1 and %(max)s mm.",
                    number=number,
                    name=name,
                    max=MAX_DIMENSION_MM,
                )
            )
    if not 1 <= piece.quantity <= MAX_QUANTITY:
        raise _refuse(_("Piece %(number)s: quantity must be between 1 and %(max)s.", number=number, max=MAX_QUANTITY))
    if piece.mass_g is not None and not 0 <= piece.mass_g <= MAX_MASS_G:
        raise _refuse(
            _("Piece %(number)s: its mass must be between 0 and %(max)s kg.", number=number, max=kg_of(MAX_MASS_G))
        )
    if thickness is not None and piece.thickness_mm > thickness:
        raise _refuse(
            _(
                "Piece %(number)s is thicker than the piece it is cut from (%(thickness_mm)s mm > %(thickness)s mm).",
                number=number,
                thickness_mm=piece.thickness_mm,
                thickness=thickness,
            )
        )
    if length is not None and width is not None:
        # Either way round in the plane: compare short sides and long sides.
        piece_sides = sorted((piece.length_mm, piece.width_mm))
        parent_sides = sorted((length, width))
        if piece_sides[0] > parent_sides[0] or piece_sides[1] > parent_sides[1]:
            raise _refuse(
                _(
                    "Piece %(number)s (%(length_mm)s x %(width_mm)s mm) does not fit in the piece it is cut from (%(length)s x %(width)s mm).",
                    number=number,
                    length_mm=piece.length_mm,
                    width_mm=piece.width_mm,
                    length=length,
                    width=width,
                )
            )


def _apportion(shares: list[Fraction]) -> list[int]:
    """Round each share to the gram (down or up) so that the total is the rounded exact total.

    Rounding pieces one by one could make two exact halves of 1001 g weigh 501 g each,
    more than their parent; largest remainders keep the sum honest.
    """
    floors = [floor(share) for share in shares]
    extra = round_half_up(sum(shares, Fraction(0))) - sum(floors)
    by_remainder = sorted(range(len(shares)), key=lambda i: (-(shares[i] - floors[i]), i))
    for i in by_remainder[:extra]:
        floors[i] += 1
    return floors


def plan_split(
    *,
    parent_mass_g: int,
    parent_length_mm: int | None,
    parent_width_mm: int | None,
    parent_thickness_mm: int | None,
    parent_quantity: int,
    category_density_kg_m3: float,
    pieces: list[PieceSpec],
) -> SplitPlan:
    """Masses of the pieces and the loss; raise Invalid(field="pieces") when the cut is impossible.

    An unweighed piece takes the parent's mass in proportion to its volume (the parent's own
    density); only a parent without dimensions falls back on the category's density.
    """
    if not pieces:
        raise _refuse(_("A split needs at least one piece."))
    for number, piece in enumerate(pieces, start=1):
        _check_piece(number, piece, parent_length_mm, parent_width_mm, parent_thickness_mm)

    parent_volume = volume_mm3(parent_length_mm, parent_width_mm, parent_thickness_mm, parent_quantity)
    shares: list[Fraction] = []
    for piece in (p for p in pieces if p.mass_g is None):
        volume = piece.length_mm * piece.width_mm * piece.thickness_mm * piece.quantity
        if parent_volume:
            shares.append(Fraction(parent_mass_g * volume, parent_volume))
        else:
            shares.append(exact_mass_g(volume, category_density_kg_m3))

    estimates = iter(_apportion(shares))
    piece_masses = [next(estimates) if p.mass_g is None else p.mass_g for p in pieces]
    for piece, mass in zip(pieces, piece_masses, strict=True):
        if piece.mass_g is None:
            check_estimate(mass, piece.length_mm, piece.width_mm, piece.thickness_mm, piece.quantity, field="pieces")
    loss = parent_mass_g - sum(piece_masses)
    if loss < 0:
        raise _refuse(
            _(
                "The pieces would weigh more than the piece they are cut from (%(pieces)s kg > %(parent)s kg).",
                pieces=kg_of(sum(piece_masses)),
                parent=kg_of(parent_mass_g),
            )
        )
    sources = ["estimated" if piece.mass_g is None else "weighed" for piece in pieces]
    return SplitPlan(piece_masses_g=piece_masses, piece_mass_sources=sources, loss_g=loss)


def rest_after_cut(length: int, width: int, used_length: int, used_width: int) -> tuple[int, int] | None:
    """What is left of a `length` x `width` panel once a `used_length` x `used_width` part is cut
    from one end (the part may be turned): the larger of the strip across the length and the
    strip along it, as (length, width); None when the part does not fit or nothing is left."""
    if used_length <= length and used_width <= width:
        part_l, part_w = used_length, used_width
    elif used_width <= length and used_length <= width:
        part_l, part_w = used_width, used_length
    else:
        return None
    across = (length - part_l, width)  # cut across the length: the rest keeps the full width
    along = (length, width - part_w)  # cut along it: the rest keeps the full length
    best = max((across, along), key=lambda r: (r[0] * r[1], r[0]))
    if best[0] * best[1] <= 0:
        return None
    return max(best), min(best)
