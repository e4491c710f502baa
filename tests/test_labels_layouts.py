"""Label layouts: every label on its page, none over another."""

from __future__ import annotations

import itertools

import pytest

from exchange.labels.layouts import DEFAULT_LAYOUT, LAYOUTS, Layout, positions_per_page

EPS = 1e-9


def _rects(layout: Layout) -> list[tuple[float, float, float, float]]:
    return [
        (x, y, x + layout.label_w_mm, y + layout.label_h_mm)
        for x, y in map(layout.position_mm, range(positions_per_page(layout)))
    ]


def test_the_layouts_of_the_contract_are_there() -> None:
    assert {"a4-3x7", "a4-3x8", "a4-2x7", "roll-62", "label-29x62"} <= set(LAYOUTS)
    assert DEFAULT_LAYOUT == "a4-3x7"
    assert all(layout.name == name and layout.title for name, layout in LAYOUTS.items())


@pytest.mark.parametrize(
    ("name", "size", "grid", "margins", "gaps"),
    [
        ("a4-3x7", (63.5, 38.1), (3, 7), (7.2, 15.15), (2.5, 0)),  # Avery L7160
        ("a4-3x8", (70, 37), (3, 8), (0, 0.5), (0, 0)),
        ("a4-2x7", (99.1, 38.1), (2, 7), (4.65, 15.15), (2.5, 0)),  # Avery L7163
    ],
)
def test_a4_sheet_geometry(name, size, grid, margins, gaps) -> None:
    layout = LAYOUTS[name]
    assert (layout.page_w_mm, layout.page_h_mm) == (210, 297)
    assert (layout.label_w_mm, layout.label_h_mm) == size
    assert (layout.columns, layout.rows) == grid
    assert (layout.margin_left_mm, layout.margin_top_mm) == margins
    assert (layout.gap_x_mm, layout.gap_y_mm) == gaps
    assert positions_per_page(layout) == grid[0] * grid[1]


@pytest.mark.parametrize("name", ["roll-62", "label-29x62"])
def test_a_roll_page_is_one_label(name: str) -> None:
    layout = LAYOUTS[name]
    assert (layout.columns, layout.rows) == (1, 1) and layout.is_roll
    assert (layout.page_w_mm, layout.page_h_mm) == (layout.label_w_mm, layout.label_h_mm)
    assert layout.position_mm(0) == (0, 0)
    # Brother QL: the image is as wide as the tape, 62 mm for both.
    assert layout.label_w_mm == 62


@pytest.mark.parametrize("name", list(LAYOUTS))
def test_every_label_is_on_its_page(name: str) -> None:
    layout = LAYOUTS[name]
    for left, top, right, bottom in _rects(layout):
        assert left >= -EPS and top >= -EPS
        assert right <= layout.page_w_mm + EPS and bottom <= layout.page_h_mm + EPS


@pytest.mark.parametrize("name", list(LAYOUTS))
def test_no_two_labels_overlap(name: str) -> None:
    for a, b in itertools.combinations(_rects(LAYOUTS[name]), 2):
        apart = a[2] <= b[0] + EPS or b[2] <= a[0] + EPS or a[3] <= b[1] + EPS or b[3] <= a[1] + EPS
        assert apart, (a, b)


def test_positions_fill_rows_first_and_stop_at_the_page() -> None:
    layout = LAYOUTS["a4-3x7"]
    assert layout.position_mm(0) == (7.2, 15.15)
    assert layout.position_mm(1) == pytest.approx((7.2 + 63.5 + 2.5, 15.15))
    assert layout.position_mm(3) == pytest.approx((7.2, 15.15 + 38.1))
    assert layout.position_mm(20) == pytest.approx((7.2 + 2 * 66, 15.15 + 6 * 38.1))
    for outside in (-1, 21):
        with pytest.raises(ValueError):
            layout.position_mm(outside)
