"""Great-circle distance between lieux and the `near=LAT,LON` parameter."""

from math import pi

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exchange.ledger.geo import EARTH_RADIUS_KM, great_circle_km, parse_position
from exchange.ledger.rules import Invalid

PARIS = (48.8566, 2.3522)
LYON = (45.7640, 4.8357)
SAINT_DENIS = (-20.8823, 55.4504)  # La Réunion


def test_known_distances():
    assert great_circle_km(*PARIS, *LYON) == pytest.approx(391.5, abs=0.5)  # 391.5 km as the crow flies
    assert great_circle_km(*PARIS, *SAINT_DENIS) == pytest.approx(9_360, rel=0.005)
    assert great_circle_km(0, 0, 0, 180) == pytest.approx(pi * EARTH_RADIUS_KM)
    # one degree of latitude is 111.2 km anywhere
    assert great_circle_km(45, 5, 46, 5) == pytest.approx(111.19, abs=0.01)


lat = st.floats(-90, 90)
lon = st.floats(-180, 180)


@given(lat, lon, lat, lon)
def test_symmetric_and_bounded(a, b, c, d):
    there = great_circle_km(a, b, c, d)
    assert there == pytest.approx(great_circle_km(c, d, a, b), abs=1e-6)
    assert 0 <= there <= pi * EARTH_RADIUS_KM + 1e-6
    assert great_circle_km(a, b, a, b) == pytest.approx(0, abs=1e-6)


def test_positions_are_read_or_refused():
    assert parse_position(" 45.76, 4.84") == (45.76, 4.84)
    for bad in ("", "45.76", "45.76,4.84,1", "north,east", "91,0", "0,181", "nan,0"):
        with pytest.raises(Invalid) as raised:
            parse_position(bad)
        assert raised.value.field == "near"
