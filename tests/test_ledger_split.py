from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exchange.ledger.rules import Invalid
from exchange.ledger.split import PieceSpec, SplitPlan, plan_split
from exchange.problems import status_of

SHEET = dict(parent_length_mm=2440, parent_width_mm=1220, parent_thickness_mm=18, parent_quantity=1)
NO_DIMS = dict(parent_length_mm=None, parent_width_mm=None, parent_thickness_mm=None, parent_quantity=1)


def split(pieces, *, mass=30_000, density=600.0, **parent):
    return plan_split(parent_mass_g=mass, category_density_kg_m3=density, pieces=pieces, **(parent or SHEET))


def refusal(pieces, **kwargs) -> str:
    with pytest.raises(Invalid) as raised:
        split(pieces, **kwargs)
    assert raised.value.field == "pieces" and status_of(raised.value) == 422
    return raised.value.message


def test_unweighed_pieces_take_the_parent_s_own_density():
    # The sheet weighs 30 kg where the category's 600 kg/m3 would say 32.149 kg:
    # a half sheet is half of 30 kg, whatever the category says.
    # 600 x 400 share: 30,000 x 240,000 / 2,976,800 = 2,418.70 g -> 2,419 g.
    plan = split([PieceSpec(1220, 1220, 18), PieceSpec(600, 400, 18)])
    assert plan == SplitPlan(
        piece_masses_g=[15_000, 2_419], piece_mass_sources=["estimated", "estimated"], loss_g=12_581
    )


def test_the_parent_s_quantity_is_part_of_its_volume():
    # A bundle of 4 planks weighing 8 kg: one plank of the same size is 2 kg.
    plan = split(
        [PieceSpec(2000, 100, 20)],
        mass=8_000,
        parent_length_mm=2000,
        parent_width_mm=100,
        parent_thickness_mm=20,
        parent_quantity=4,
    )
    assert plan.piece_masses_g == [2_000] and plan.loss_g == 6_000


def test_weighed_pieces_are_kept():
    plan = split([PieceSpec(1220, 1220, 18, mass_g=14_100), PieceSpec(1200, 1200, 18)])
    assert plan.piece_mass_sources == ["weighed", "estimated"]
    assert plan.piece_masses_g[0] == 14_100
    assert plan.loss_g == 30_000 - 14_100 - plan.piece_masses_g[1]


def test_a_parent_without_dimensions_falls_back_on_the_category_density():
    # 1000 x 500 x 18 x 2 = 18,000,000 mm3 x 600 kg/m3 = 10.8 kg.
    plan = split([PieceSpec(1000, 500, 18, quantity=2)], mass=40_000, **NO_DIMS)
    assert plan == SplitPlan(piece_masses_g=[10_800], piece_mass_sources=["estimated"], loss_g=29_200)


def test_a_parent_with_only_some_dimensions_also_falls_back():
    partial = dict(NO_DIMS, parent_thickness_mm=18)
    assert split([PieceSpec(1000, 500, 18)], mass=40_000, **partial).piece_masses_g == [5_400]
    assert "thicker" in refusal([PieceSpec(1000, 500, 19)], mass=40_000, **partial)


def test_pieces_heavier_than_the_parent_are_refused():
    message = refusal([PieceSpec(1000, 1000, 18, mass_g=20_000), PieceSpec(1000, 1000, 18, mass_g=12_500)])
    assert "weigh more" in message and "(32.5 kg > 30 kg)" in message
    # The category's density can also say so, when the parent has no dimensions.
    assert "(10.8 kg > 10 kg)" in refusal([PieceSpec(1000, 500, 18, quantity=2)], mass=10_000, **NO_DIMS)


def test_pieces_must_fit_in_the_parent():
    assert "thicker" in refusal([PieceSpec(600, 400, 19)])
    assert "does not fit" in refusal([PieceSpec(2441, 100, 18)])
    assert "does not fit" in refusal([PieceSpec(1300, 1300, 18)])  # smaller area, still too wide
    # Turned a quarter round, a full-size piece fits.
    assert split([PieceSpec(1220, 2440, 18)]).piece_masses_g == [30_000]


@pytest.mark.parametrize(
    "piece",
    [
        PieceSpec(0, 100, 18),
        PieceSpec(100, -1, 18),
        PieceSpec(100, 100, 0),
        PieceSpec(100, 100, 18, quantity=0),
        PieceSpec(100, 100, 18, mass_g=-1),
        PieceSpec(100, 100, 18, quantity=10_001),
    ],
)
def test_impossible_pieces_are_refused(piece):
    refusal([piece])


def test_at_least_one_piece():
    assert "at least one" in refusal([])


def test_rounding_never_makes_exact_halves_heavier_than_their_parent():
    # Each half is exactly 500.5 g; rounding both up would weigh 1002 g > 1001 g.
    plan = split([PieceSpec(1220, 1220, 18), PieceSpec(1220, 1220, 18)], mass=1_001)
    assert sorted(plan.piece_masses_g) == [500, 501] and plan.loss_g == 0


# --- conservation, on random cuts ------------------------------------------------


@st.composite
def cuts(draw):
    length, width, thickness = (draw(st.integers(1, 3000)) for _ in range(3))
    quantity = draw(st.integers(1, 5))
    parent = dict(
        parent_length_mm=length, parent_width_mm=width, parent_thickness_mm=thickness, parent_quantity=quantity
    )
    if draw(st.booleans()):
        parent = dict(NO_DIMS, parent_quantity=quantity)
    pieces = [
        PieceSpec(
            draw(st.integers(1, length)),
            draw(st.integers(1, width)),
            draw(st.integers(1, thickness)),
            quantity=draw(st.integers(1, 4)),
            mass_g=draw(st.none() | st.integers(0, 50_000)),
        )
        for _ in range(draw(st.integers(1, 6)))
    ]
    mass = draw(st.integers(0, 200_000))
    density = draw(st.sampled_from([0.5, 120.0, 600.0, 7850.0, 2500.25]))
    return mass, density, parent, pieces


def exact_share(piece, mass, density, parent) -> Fraction:
    volume = piece.length_mm * piece.width_mm * piece.thickness_mm * piece.quantity
    if parent["parent_length_mm"] is None:
        return Fraction(volume) * Fraction(str(density)) / 10**6
    parent_volume = (
        parent["parent_length_mm"]
        * parent["parent_width_mm"]
        * parent["parent_thickness_mm"]
        * parent["parent_quantity"]
    )
    return Fraction(mass * volume, parent_volume)


@given(cuts())
def test_mass_is_conserved_to_the_gram(cut):
    mass, density, parent, pieces = cut
    exact = [
        piece.mass_g if piece.mass_g is not None else exact_share(piece, mass, density, parent) for piece in pieces
    ]
    try:
        plan = split(pieces, mass=mass, density=density, **parent)
    except Invalid as error:
        assert error.field == "pieces"
        # Refused only when the pieces, exactly, weigh more than the parent.
        assert sum(exact) > mass
        return
    assert mass == sum(plan.piece_masses_g) + plan.loss_g
    assert plan.loss_g >= 0
    assert len(plan.piece_masses_g) == len(plan.piece_mass_sources) == len(pieces)
    for piece, got, want, source in zip(pieces, plan.piece_masses_g, exact, plan.piece_mass_sources):
        assert source == ("weighed" if piece.mass_g is not None else "estimated")
        assert abs(got - want) < 1  # each estimate is its exact share rounded down or up


@given(st.integers(1, 10_000_000), st.lists(st.integers(1, 100), min_size=1, max_size=8))
def test_unweighed_pieces_that_share_the_parent_lose_nothing(mass, lengths):
    # Strips cut side by side from a plank as long as their lengths: no kerf, no loss.
    pieces = [PieceSpec(length, 50, 10) for length in lengths]
    plan = split(
        pieces, mass=mass, parent_length_mm=sum(lengths), parent_width_mm=50, parent_thickness_mm=10, parent_quantity=1
    )
    assert plan.loss_g == 0 and sum(plan.piece_masses_g) == mass
