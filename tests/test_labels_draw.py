"""One label: its size, its QR code (decodes, quiet zone, whole-pixel modules) and its
text (never off the label)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import zxingcpp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

import exchange
from exchange.labels.draw import (
    MIN_MODULE_MM,
    QUIET_ZONE_MODULES,
    RELIABLE_MODULE_MM,
    TEXT_PAD_X_MM,
    LabelContent,
    _fit,
    _font,
    _wrap,
    label_png,
    label_size_px,
    mm_to_px,
    plan_qr,
    render_label,
)
from exchange.labels.layouts import LAYOUTS, Layout

URL = "https://lieu.example/i/7K3M-Q9D2"
FULL = LabelContent(
    url=URL,
    code="7K3M-Q9D2",
    title="Contreplaqué bouleau, chute de découpe laser",
    category="Plywood",
    dimensions="1200 × 400 × 18 mm",
    lieu="La Fabrique du Quartier",
    workshop="Atelier bois (mezzanine)",
)
BLANK = LabelContent(url=URL, code="7K3M-Q9D2", lieu="La Fabrique du Quartier")
# A 29 mm tape printed along its length (like Brother DK-11201, 29 x 90 mm): tall.
TALL = Layout("tall-29x90", "29 x 90 mm", 29, 90, 29, 90, 1, 1, 0, 0, 0, 0)


def decoded(image: Image.Image) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]


def qr_box(layout: Layout, dpi: int = 300) -> tuple[int, int, int]:
    """(left, top, side) of the QR code's block, quiet zone included, as render_label
    places it."""
    w, h = label_size_px(layout, dpi)
    landscape = w >= 1.3 * h
    plan = plan_qr(URL, h if landscape else w, dpi)
    side = (plan.size + 2 * QUIET_ZONE_MODULES) * plan.module_px
    return (0, (h - side) // 2, side) if landscape else ((w - side) // 2, 0, side)


def black(image: Image.Image, box: tuple[int, int, int, int]) -> bool:
    return image.convert("L").crop(box).getextrema()[0] < 128


@pytest.mark.parametrize("content", [FULL, BLANK], ids=["item", "blank"])
@pytest.mark.parametrize("name", [*LAYOUTS, TALL.name])
def test_label_has_its_size_and_decodes_to_its_url(name: str, content: LabelContent) -> None:
    layout = LAYOUTS.get(name, TALL)
    image = render_label(content, layout)
    assert image.mode == "1"
    assert image.size == (round(layout.label_w_mm / 25.4 * 300), round(layout.label_h_mm / 25.4 * 300))
    assert decoded(image) == [URL]


@pytest.mark.parametrize("dpi", [203, 600])
def test_other_resolutions(dpi: int) -> None:
    for layout in LAYOUTS.values():
        image = render_label(FULL, layout, dpi)
        assert image.size == label_size_px(layout, dpi)
        assert decoded(image) == [URL]


@pytest.mark.parametrize("name", [*LAYOUTS, TALL.name])
def test_qr_code_has_whole_pixel_modules_and_a_white_quiet_zone(name: str) -> None:
    layout = LAYOUTS.get(name, TALL)
    image = render_label(FULL, layout).convert("L")
    left, top, side = qr_box(layout)
    plan = plan_qr(URL, side, 300)
    m, n = plan.module_px, plan.size
    quiet = QUIET_ZONE_MODULES * m
    assert side == (n + 8) * m
    # The quiet zone (four modules all round) is white; the symbol starts right inside
    # it with a finder pattern's dark corner, one module of m x m pixels.
    for ring in [
        (left, top, left + side, top + quiet),
        (left, top + side - quiet, left + side, top + side),
        (left, top, left + quiet, top + side),
        (left + side - quiet, top, left + side, top + side),
    ]:
        assert not black(image, ring), ring
    assert image.crop((left + quiet, top + quiet, left + quiet + m, top + quiet + m)).getextrema() == (0, 0)
    # The symbol is the plan's modules, each a solid m x m square: not resampled.
    symbol = image.crop((left + quiet, top + quiet, left + quiet + n * m, top + quiet + n * m))
    assert (
        symbol.resize((n, n), Image.Resampling.NEAREST).resize(symbol.size, Image.Resampling.NEAREST).tobytes()
        == symbol.tobytes()
    )
    assert [
        [v == 0 for v in symbol.resize((n, n), Image.Resampling.NEAREST).tobytes()][r * n : (r + 1) * n]
        for r in range(n)
    ] == [list(row) for row in plan.modules]
    module_mm = m * 25.4 / 300
    if name == "label-29x62" or name == TALL.name:  # 29 mm: nothing reaches 1.1 mm
        assert module_mm >= 0.8
    else:
        assert module_mm >= RELIABLE_MODULE_MM


def test_error_correction_is_as_strong_as_the_module_size_allows() -> None:
    a4 = LAYOUTS["a4-3x7"]
    side = label_size_px(a4, 300)[1]
    typical = plan_qr(URL, side, 300)  # 32 bytes: M would be version 3, 12 px modules
    assert (typical.error_correction, typical.size, typical.module_px) == ("L", 25, 13)
    short = plan_qr("https://l.ex/i/7K3M-Q9D2", side, 300)  # 24 bytes: M fits version 2
    assert (short.error_correction, short.size, short.module_px) == ("M", 25, 13)
    roomy = plan_qr(URL, mm_to_px(60, 300), 300)  # a 60 mm square: H at 1.4 mm modules
    assert roomy.error_correction == "H" and roomy.module_px * 25.4 / 300 >= RELIABLE_MODULE_MM


def test_a_url_too_long_for_the_label_is_refused() -> None:
    url = "https://lieu.example/" + "x" * 400 + "/i/7K3M-Q9D2"
    with pytest.raises(ValueError, match="shorten"):
        render_label(LabelContent(url=url, code="7K3M-Q9D2"), LAYOUTS["label-29x62"])
    with pytest.raises(ValueError, match="shorten"):  # more than a QR code holds at all
        render_label(LabelContent(url=url * 10, code="7K3M-Q9D2"), LAYOUTS["a4-2x7"])
    assert MIN_MODULE_MM <= RELIABLE_MODULE_MM


def test_long_text_is_cut_with_an_ellipsis_inside_the_label() -> None:
    long = LabelContent(
        url=URL,
        code="7K3M-Q9D2",
        title="Panneau " * 40,
        category="Contreplaqué " * 10,
        dimensions="12000 × 4000 × 180 mm",
        workshop="Atelier " * 20,
        lieu="Lieu " * 20,
    )
    for layout in [*LAYOUTS.values(), TALL]:
        image = render_label(long, layout)
        w, h = image.size
        pad = mm_to_px(TEXT_PAD_X_MM, 300)
        assert not black(image, (w - pad, 0, w, h)), layout.name  # nothing in the right margin
        assert decoded(image) == [URL]


def test_fit_and_wrap() -> None:
    font = _font("regular", 40)
    assert _fit("Plywood", font, 1000) == "Plywood"
    cut = _fit("Contreplaqué bouleau", font, 200)
    assert cut.endswith("…") and font.getlength(cut) <= 200 and "Contreplaqué bouleau".startswith(cut[:-1])
    assert _fit("Contreplaqué", font, 1) == ""
    lines = _wrap("Contreplaqué bouleau chute de découpe laser", font, 300, 2)
    assert len(lines) == 2 and lines[0] == "Contreplaqué" and lines[1].endswith("…")
    assert all(font.getlength(line) <= 300 for line in lines)
    assert _wrap("Pin", font, 300, 2) == ["Pin"]
    # A word longer than the line ends the wrapping with an ellipsis, never overflows.
    wide = _wrap("Aggloméréhydrofugeignifugé " * 3, font, 300, 2)
    assert len(wide) == 1 and wide[0].endswith("…") and font.getlength(wide[0]) <= 300
    assert _wrap("Pin Aggloméréhydrofugeignifugé", font, 300, 3) == [
        "Pin",
        _fit("Aggloméréhydrofugeignifugé", font, 300),
    ]


def test_dimensions_shrink_before_they_are_cut() -> None:
    """On a narrow text column the dimensions stay whole (tighter, smaller), since a
    member needs all three numbers."""
    from exchange.labels.draw import _text_block

    width = mm_to_px(20, 300)
    lines, _gap = _text_block(FULL, width, mm_to_px(30, 300), 300, code_max_px=100)
    assert "1200×400×18 mm" in [text for text, _font_used in lines]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    title=st.text(max_size=200),
    category=st.text(max_size=60),
    dimensions=st.text(max_size=60),
    workshop=st.text(max_size=80),
    lieu=st.text(max_size=80),
    layout=st.sampled_from([*LAYOUTS.values(), TALL]),
)
def test_any_text_stays_on_the_label_and_leaves_the_qr_code_alone(
    title: str, category: str, dimensions: str, workshop: str, lieu: str, layout: Layout
) -> None:
    content = LabelContent(
        url=URL, code="7K3M-Q9D2", title=title, category=category, dimensions=dimensions, workshop=workshop, lieu=lieu
    )
    image = render_label(content, layout)
    assert image.size == label_size_px(layout, 300)
    w, h = image.size
    assert not black(image, (w - mm_to_px(TEXT_PAD_X_MM, 300), 0, w, h))
    left, top, side = qr_box(layout)
    blank_text = render_label(LabelContent(url=URL, code="7K3M-Q9D2"), layout)
    qr_area = (left, top, left + side, top + side)
    assert image.crop(qr_area).tobytes() == blank_text.crop(qr_area).tobytes()


def test_label_png_records_its_dpi() -> None:
    for layout in LAYOUTS.values():
        data = label_png(FULL, layout, dpi=300)
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
        image = Image.open(io.BytesIO(data))
        assert image.size == label_size_px(layout, 300)
        assert image.info["dpi"] == pytest.approx((300, 300), abs=0.01)
        assert decoded(image) == [URL]


def test_fonts_ship_with_the_package() -> None:
    fonts = Path(exchange.__file__).parent / "data" / "fonts"
    assert {"DejaVuSans.ttf", "DejaVuSans-Bold.ttf"} <= {p.name for p in fonts.iterdir()}
    assert "Bitstream" in (fonts / "LICENSE-DejaVu.txt").read_text()
    assert _font("bold", 50).getname() == ("DejaVu Sans", "Bold")
    assert _font("regular", 50).getname() == ("DejaVu Sans", "Book")
