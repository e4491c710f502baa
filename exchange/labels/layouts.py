"""Label layouts: the physical geometry of sheets and rolls the labels are printed on.

All lengths are millimetres. A sheet layout is a grid of ``columns`` x ``rows`` labels
on a page; a roll layout is one label per page (``columns = rows = 1``, the page is the
label), which is what a label printer driver expects.

Orientation: ``label_w_mm`` is the width of the label as it is printed and read. For the
Brother QL rolls it is the width across the tape (the print head) and the height is the
length along the feed, which is the orientation the printer takes images in: the
DK-11209 labels (``label-29x62``) sit on a 62 mm tape, so their image is 62 mm wide and
29 mm tall.
"""

from __future__ import annotations

from dataclasses import dataclass

MM_PER_INCH = 25.4
POINTS_PER_INCH = 72.0


@dataclass(frozen=True)
class Layout:
    name: str
    title: str
    label_w_mm: float
    label_h_mm: float
    page_w_mm: float
    page_h_mm: float
    columns: int
    rows: int
    margin_left_mm: float
    margin_top_mm: float
    gap_x_mm: float
    gap_y_mm: float

    @property
    def is_roll(self) -> bool:
        """One label per page: a label printer rather than a sheet."""
        return self.columns == 1 and self.rows == 1

    def position_mm(self, index: int) -> tuple[float, float]:
        """Top-left corner (x, y) in mm of the label at 0-based ``index`` on a page,
        filling row by row, left to right (the order people peel and count them)."""
        if not 0 <= index < positions_per_page(self):
            raise ValueError(f"position {index + 1} is not on a {self.name} page")
        row, col = divmod(index, self.columns)
        x = self.margin_left_mm + col * (self.label_w_mm + self.gap_x_mm)
        y = self.margin_top_mm + row * (self.label_h_mm + self.gap_y_mm)
        return x, y


def positions_per_page(layout: Layout) -> int:
    return layout.columns * layout.rows


def _a4(
    name: str,
    title: str,
    w: float,
    h: float,
    columns: int,
    rows: int,
    left: float,
    top: float,
    gap_x: float,
    gap_y: float,
) -> Layout:
    return Layout(name, title, w, h, 210.0, 297.0, columns, rows, left, top, gap_x, gap_y)


def _roll(name: str, title: str, w: float, h: float) -> Layout:
    return Layout(name, title, w, h, w, h, 1, 1, 0.0, 0.0, 0.0, 0.0)


# Sheet geometries (A4, 210 x 297 mm):
#   a4-3x7  Avery L7160: 7.2 + 3 x 63.5 + 2 x 2.5 = 202.7 <= 210 (7.3 mm right margin);
#           15.15 + 7 x 38.1 = 281.85 <= 297 (15.15 mm bottom margin).
#   a4-3x8  edge to edge: 3 x 70 = 210; 0.5 + 8 x 37 = 296.5 <= 297.
#   a4-2x7  Avery L7163: 4.65 + 2 x 99.1 + 2.5 = 205.35 <= 210 (4.65 mm right margin);
#           same rows as L7160.
# Rolls (Brother QL, 300 dpi head):
#   roll-62      DK-22205, 62 mm continuous tape, cut at 40 mm (62 wide x 40 long).
#   label-29x62  DK-11209 die-cut, 29 x 62 mm, 62 mm across the tape, 29 mm along it.
LAYOUTS: dict[str, Layout] = {
    layout.name: layout
    for layout in (
        _a4("a4-3x7", "A4, 3 x 7 labels of 63.5 x 38.1 mm (Avery L7160)", 63.5, 38.1, 3, 7, 7.2, 15.15, 2.5, 0.0),
        _a4("a4-3x8", "A4, 3 x 8 labels of 70 x 37 mm (edge to edge)", 70.0, 37.0, 3, 8, 0.0, 0.5, 0.0, 0.0),
        _a4("a4-2x7", "A4, 2 x 7 labels of 99.1 x 38.1 mm (Avery L7163)", 99.1, 38.1, 2, 7, 4.65, 15.15, 2.5, 0.0),
        _roll(
            "roll-62", "Label printer, 62 mm continuous roll cut at 40 mm (62 x 40 mm, Brother DK-22205)", 62.0, 40.0
        ),
        _roll("label-29x62", "Label printer, 29 x 62 mm die-cut labels (Brother DK-11209)", 62.0, 29.0),
    )
}

DEFAULT_LAYOUT = "a4-3x7"
