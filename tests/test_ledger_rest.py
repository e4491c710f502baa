"""The rest of a cut, as the use-part form works it out: pure, checked on random panels."""

from hypothesis import given
from hypothesis import strategies as st

from exchange.ledger.split import rest_after_cut

size = st.integers(min_value=1, max_value=20_000)


def test_a_part_across_the_full_width_leaves_the_rest_of_the_length():
    assert rest_after_cut(2000, 600, 800, 600) == (1200, 600)
    assert rest_after_cut(2000, 600, 600, 800) == (1200, 600)  # the part given turned
    assert rest_after_cut(2000, 600, 2000, 600) is None  # nothing left
    assert rest_after_cut(2000, 600, 2500, 100) is None  # does not fit


@given(size, size, size, size)
def test_the_rest_and_the_part_fit_in_the_panel(length, width, used_length, used_width):
    rest = rest_after_cut(length, width, used_length, used_width)
    fits = (used_length <= length and used_width <= width) or (used_width <= length and used_length <= width)
    if rest is None:
        assert not fits or used_length * used_width == length * width  # the part was the whole panel
        return
    assert fits
    rest_l, rest_w = rest
    assert rest_l >= rest_w >= 1
    assert rest_l <= max(length, width) and rest_w <= min(length, width)
    assert rest_l * rest_w + used_length * used_width <= length * width
