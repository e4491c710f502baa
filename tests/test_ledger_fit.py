import pytest
from hypothesis import given
from hypothesis import strategies as st

from exchange.ledger.fit import fits, leftover_area_mm2, parse_fit, rank_fits
from exchange.ledger.rules import Invalid
from exchange.problems import status_of


@pytest.mark.parametrize(
    "text", ["600x400x18", "600 x 400 x 18", "600×400×18", "600X400X18", " 600 X400 ×18 ", "0600x400x18"]
)
def test_parse_fit(text):
    assert parse_fit(text) == (600, 400, 18)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "600x400",
        "600x400x18x2",
        "600*400*18",
        "600x400x",
        "60.5x400x18",
        "-600x400x18",
        "600x400x0",
        "20001x400x18",
        "axbxc",
        "600mmx400mmx18mm",
        "６００x400x18",
    ],
)
def test_parse_fit_refuses(text):
    with pytest.raises(Invalid) as raised:
        parse_fit(text)
    assert raised.value.field == "fit" and status_of(raised.value) == 422


def test_parse_fit_limits():
    assert parse_fit("20000x1x1") == (20_000, 1, 1)


def test_fits():
    part = (600, 400, 18)
    assert fits(part, (600, 400, 18))  # exactly
    assert fits(part, (400, 600, 18))  # turned in the plane
    assert fits(part, (2440, 1220, 18))
    assert not fits(part, (2440, 1220, 19))  # thickness must match: nobody planes plywood down
    assert not fits(part, (2440, 1220, 17))
    assert not fits(part, (399, 2000, 18))  # long enough, too narrow either way round
    assert not fits(part, (2000, 399, 18))
    assert not fits(part, (500, 500, 18))  # more area, wrong shape
    assert not fits(part, (None, 1220, 18))
    assert not fits(part, (2440, None, 18))
    assert not fits(part, (2440, 1220, None))


def test_leftover_area():
    assert leftover_area_mm2((600, 400, 18), (2440, 1220, 18)) == 2440 * 1220 - 600 * 400
    assert leftover_area_mm2((600, 400, 18), (400, 600, 18)) == 0


def test_rank_fits():
    part = (600, 400, 18)
    pieces = [
        ("sheet", (2440, 1220, 18)),
        ("exact", (400, 600, 18)),
        ("thin", (700, 500, 12)),
        ("b-offcut", (700, 500, 18)),  # leftover 110,000
        ("a-offcut", (500, 700, 18)),  # same leftover: ties go by key
        ("unknown", (None, None, 18)),
        ("narrow", (3000, 300, 18)),
    ]
    assert rank_fits(part, pieces) == ["exact", "a-offcut", "b-offcut", "sheet"]
    assert rank_fits(part, []) == []


dims = st.integers(1, 3000)
maybe = st.none() | dims


@given(
    st.tuples(dims, dims, st.integers(1, 5)), st.lists(st.tuples(maybe, maybe, maybe | st.integers(1, 5)), max_size=30)
)
def test_rank_fits_properties(part, shapes):
    pieces = list(enumerate(shapes))
    ranked = rank_fits(part, pieces)
    assert sorted(ranked) == [key for key, shape in pieces if fits(part, shape)]
    leftovers = [leftover_area_mm2(part, shapes[key]) for key in ranked]
    assert all(left >= 0 for left in leftovers)
    assert [(left, key) for left, key in zip(leftovers, ranked)] == sorted(zip(leftovers, ranked))


@given(st.tuples(dims, dims, dims), st.tuples(dims, dims, dims))
def test_fits_ignores_turning(part, piece):
    turned = (piece[1], piece[0], piece[2])
    assert fits(part, piece) == fits(part, turned) == fits((part[1], part[0], part[2]), piece)
    if fits(part, piece):
        assert leftover_area_mm2(part, piece) >= 0
