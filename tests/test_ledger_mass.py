import pytest
from hypothesis import given
from hypothesis import strategies as st

from exchange.ledger.mass import estimate_mass_g, format_kg, g_from_kg, resolve_mass, volume_mm3


def test_plywood_sheet_by_hand():
    # 2440 x 1220 x 18 mm = 53,582,400 mm3 = 0.0535824 m3;
    # x 600 kg/m3 = 32.14944 kg = 32,149.44 g -> 32,149 g.
    assert volume_mm3(2440, 1220, 18) == 53_582_400
    assert estimate_mass_g(2440, 1220, 18, 1, 600) == 32_149
    # A bundle of 3 weighs three sheets: 96,448.32 g -> 96,448 g.
    assert estimate_mass_g(2440, 1220, 18, 3, 600.0) == 96_448


def test_steel_plate_by_hand():
    # 1000 x 500 x 3 mm = 1,500,000 mm3 = 0.0015 m3; x 7850 kg/m3 = 11.775 kg.
    assert estimate_mass_g(1000, 500, 3, 1, 7850) == 11_775


def test_halves_round_up_and_density_is_read_as_written():
    # 1000 mm3 x 500 kg/m3 = exactly 0.5 g -> 1 g (banker's rounding would give 0).
    assert estimate_mass_g(10, 10, 10, 1, 500) == 1
    assert estimate_mass_g(10, 10, 10, 1, 500.5) == 1
    assert estimate_mass_g(10, 10, 10, 1, 499.9) == 0
    # 0.1 as a float is 0.1000000000000000055...; read as written it is exactly 0.1.
    assert estimate_mass_g(1000, 1000, 5000, 1, 0.1) == 500


@pytest.mark.parametrize("dims", [(None, 100, 10), (100, None, 10), (100, 100, None)])
def test_a_missing_dimension_gives_no_volume_nor_estimate(dims):
    assert volume_mm3(*dims) is None
    assert volume_mm3(*dims, quantity=4) is None
    assert estimate_mass_g(*dims, 1, 600) is None


def test_volume_counts_quantity():
    assert volume_mm3(100, 50, 10, quantity=4) == 200_000


def test_resolve_mass():
    assert resolve_mass(12_000, 2440, 1220, 18, 1, 600) == (12_000, "weighed")
    assert resolve_mass(0, 2440, 1220, 18, 1, 600) == (0, "weighed")  # 0 is a weighing
    assert resolve_mass(None, 2440, 1220, 18, 1, 600) == (32_149, "estimated")
    assert resolve_mass(None, 2440, None, 18, 1, 600) == (None, None)
    assert resolve_mass(500, None, None, None, 1, 600) == (500, "weighed")


@given(
    st.integers(1, 20_000),
    st.integers(1, 20_000),
    st.integers(1, 20_000),
    st.integers(1, 10_000),
    st.integers(1, 20_000),
)
def test_estimate_is_within_half_a_gram_of_the_exact_mass(length, width, thickness, quantity, density):
    estimate = estimate_mass_g(length, width, thickness, quantity, density)
    exact_times_1e6 = length * width * thickness * quantity * density  # g x 1e6, exact
    assert abs(estimate * 10**6 - exact_times_1e6) * 2 <= 10**6


@pytest.mark.parametrize(
    ("grams", "text"),
    [(32_149, "32.149"), (2_000, "2"), (1_500, "1.5"), (5, "0.005"), (0, "0"), (-250, "-0.25")],
)
def test_format_kg(grams, text):
    assert format_kg(grams) == text


@pytest.mark.parametrize(
    ("kg", "grams"), [(32.149, 32_149), (1.5, 1_500), (0.0125, 13), (0.0004, 0), (10_000, 10_000_000), (2.675, 2_675)]
)
def test_g_from_kg(kg, grams):
    assert g_from_kg(kg) == grams


@given(st.integers(0, 10_000_000))
def test_grams_survive_a_trip_through_kg(grams):
    assert g_from_kg(grams / 1000) == grams
    assert g_from_kg(float(format_kg(grams))) == grams
