"""The fit search: which pieces a L x W x T part can be cut from, least waste first.

rank_fits is the reference the SQL query is tested against.
"""

import re
from collections.abc import Sequence
from typing import TypeVar

from exchange.ledger.rules import MAX_DIMENSION_MM, Invalid
from exchange.messages import _

Dims = tuple[int, int, int]
MaybeDims = tuple[int | None, int | None, int | None]
K = TypeVar("K")  # a key that sorts: an id, a code

_FIT = re.compile(r"\s*([0-9]+)\s*[xX×]\s*([0-9]+)\s*[xX×]\s*([0-9]+)\s*")


def parse_fit(text: str) -> Dims:
    """'600x400x18' (spaces, 'X' and '×' allowed) -> (600, 400, 18) in mm."""
    match = _FIT.fullmatch(text)
    if match is None:
        raise Invalid(
            _("Write the part's size as length x width x thickness in mm, e.g. 600x400x18."),
            field="fit",
        )
    length, width, thickness = (int(group) for group in match.groups())
    for value in (length, width, thickness):
        if not 1 <= value <= MAX_DIMENSION_MM:
            raise Invalid(_("Each size must be between 1 and %(max)s mm.", max=MAX_DIMENSION_MM), field="fit")
    return length, width, thickness


def fits(part: Dims, piece: MaybeDims) -> bool:
    """Same thickness exactly (no planing), and the part fits either way round in the plane."""
    length, width, thickness = piece
    if length is None or width is None or thickness is None:
        return False
    if thickness != part[2]:
        return False
    part_short, part_long = sorted(part[:2])
    piece_short, piece_long = sorted((length, width))
    return part_short <= piece_short and part_long <= piece_long


def leftover_area_mm2(part: Sequence[int], piece: Sequence[int]) -> int:
    return piece[0] * piece[1] - part[0] * part[1]


def rank_fits(part: Dims, pieces: list[tuple[K, MaybeDims]]) -> list[K]:
    """Keys of the pieces that fit, least leftover area first, ties by key."""
    fitting: list[tuple[int, K]] = []
    for key, (length, width, thickness) in pieces:
        if length is not None and width is not None and thickness is not None:
            dims = (length, width, thickness)
            if fits(part, dims):
                fitting.append((leftover_area_mm2(part, dims), key))
    return [key for _, key in sorted(fitting)]
