"""PDF sheets: true physical size, the right number of pages, every label where the
layout puts it and readable there."""

from __future__ import annotations

import re
import shutil
import subprocess
import zlib
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image, PdfParser

from exchange.labels.draw import LabelContent, label_size_px, mm_to_px
from exchange.labels.layouts import LAYOUTS, Layout, positions_per_page
from exchange.labels.sheets import page_count, sheet_pages, sheet_pdf

DPI = 300


def contents(n: int) -> list[LabelContent]:
    codes = [f"7K3M-{i:04d}" for i in range(n)]
    return [
        LabelContent(
            url=f"https://lieu.example/i/{code}",
            code=code,
            title=f"Panneau {i}",
            category="Plywood",
            dimensions="1200 × 400 × 18 mm",
            workshop="Atelier bois",
            lieu="La Fabrique",
        )
        for i, code in enumerate(codes)
    ]


def media_boxes(pdf: bytes) -> list[tuple[float, float]]:
    return [(float(w), float(h)) for w, h in re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)]


def pdf_page_images(pdf: bytes) -> list[Image.Image]:
    """Each page's image as the PDF holds it (read with Pillow's PDF parser, which also
    checks the cross-reference table)."""
    parser = PdfParser.PdfParser(buf=pdf)
    images = []
    for ref in parser.pages:
        page = parser.read_indirect(ref)
        (image_ref,) = page[b"Resources"][b"XObject"].values()
        stream = parser.read_indirect(image_ref)
        info = stream.dictionary
        assert (info.BitsPerComponent, info.ColorSpace, info.Filter) == (1, b"DeviceGray", b"FlateDecode")
        images.append(Image.frombytes("1", (info.Width, info.Height), zlib.decompress(stream.buf)))
    return images


def label_at(page: Image.Image, layout: Layout, slot: int) -> Image.Image:
    x, y = layout.position_mm(slot)
    left, top = mm_to_px(x, DPI), mm_to_px(y, DPI)
    w, h = label_size_px(layout, DPI)
    # An edge-to-edge label may pass the page's last pixel by rounding: keep to the page.
    return page.crop((left, top, min(left + w, page.width), min(top + h, page.height)))


def read(image: Image.Image) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]


@pytest.mark.parametrize("name", list(LAYOUTS))
def test_pages_have_the_true_physical_size(name: str) -> None:
    layout = LAYOUTS[name]
    pdf = sheet_pdf(contents(2), layout)
    boxes = media_boxes(pdf)
    assert boxes and len(boxes) == page_count(2, layout)
    for w, h in boxes:
        assert w == pytest.approx(layout.page_w_mm / 25.4 * 72, abs=0.5)
        assert h == pytest.approx(layout.page_h_mm / 25.4 * 72, abs=0.5)
    if name.startswith("a4"):
        assert boxes[0] == pytest.approx((595.28, 841.89), abs=0.01)


@pytest.mark.parametrize(
    ("name", "n", "start", "pages"),
    [
        ("a4-3x7", 1, 1, 1),
        ("a4-3x7", 21, 1, 1),
        ("a4-3x7", 21, 2, 2),
        ("a4-3x7", 2, 20, 1),
        ("a4-3x7", 3, 20, 2),
        ("a4-3x7", 50, 5, 3),
        ("a4-3x8", 24, 1, 1),
        ("a4-3x8", 25, 24, 2),
        ("a4-2x7", 15, 1, 2),
        ("roll-62", 3, 1, 3),
        ("label-29x62", 1, 1, 1),
    ],
)
def test_page_count(name: str, n: int, start: int, pages: int) -> None:
    pdf = sheet_pdf(contents(n), LAYOUTS[name], start=start)
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == pages == page_count(n, LAYOUTS[name], start)
    assert len(media_boxes(pdf)) == pages
    assert re.search(rb"/Type\s*/Pages\s.*?/Count\s+(\d+)", pdf).group(1) == str(pages).encode()


@pytest.mark.parametrize(
    ("name", "n", "start"),
    [
        ("a4-3x7", 25, 5),
        ("a4-3x8", 4, 23),
        ("a4-2x7", 3, 13),
        ("roll-62", 2, 1),
        ("label-29x62", 2, 1),
    ],
)
def test_every_label_in_the_pdf_decodes_at_its_position(name: str, n: int, start: int) -> None:
    layout = LAYOUTS[name]
    labels = contents(n)
    pages = pdf_page_images(sheet_pdf(labels, layout, start=start))
    per_page = positions_per_page(layout)
    assert [page.size for page in pages] == [(mm_to_px(layout.page_w_mm, DPI), mm_to_px(layout.page_h_mm, DPI))] * len(
        pages
    )
    expected = iter(labels)
    for number, page in enumerate(pages):
        for slot in range(per_page):
            label = label_at(page, layout, slot)
            if number == 0 and slot < start - 1:  # used positions stay blank
                assert label.convert("L").getextrema() == (255, 255)
                continue
            content = next(expected, None)
            if content is None:  # after the last label: blank
                assert label.convert("L").getextrema() == (255, 255)
            else:
                assert read(label) == [content.url], (number, slot)
    assert next(expected, None) is None


def test_pages_are_drawn_one_at_a_time() -> None:
    pages = sheet_pages(contents(30), LAYOUTS["a4-3x7"], start=1)
    first = next(pages)
    assert first.mode == "1" and first.size == (2480, 3508)
    assert len(list(pages)) == 1


@pytest.mark.parametrize("start", [0, -1, 22, 100])
def test_a_start_off_the_sheet_is_refused(start: int) -> None:
    with pytest.raises(ValueError, match=r"from 1 to 21 for a4-3x7"):
        sheet_pdf(contents(1), LAYOUTS["a4-3x7"], start=start)
    with pytest.raises(ValueError, match=r"from 1 to 1 for roll-62"):
        sheet_pdf(contents(1), LAYOUTS["roll-62"], start=2)


def test_no_labels_is_refused() -> None:
    with pytest.raises(ValueError, match="no labels"):
        sheet_pdf([], LAYOUTS["a4-3x7"])


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
def test_an_independent_renderer_reads_the_pdf(tmp_path: Path) -> None:
    """Poppler draws the pages at true size: each label's QR code reads on the page."""
    labels = contents(5)
    pdf = tmp_path / "sheet.pdf"
    pdf.write_bytes(sheet_pdf(labels, LAYOUTS["a4-3x7"], start=19))
    subprocess.run(["pdftoppm", "-r", "150", "-gray", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.pgm"))
    assert len(pages) == 2
    found = [set(read(Image.open(page))) for page in pages]
    assert found == [{c.url for c in labels[:3]}, {c.url for c in labels[3:]}]
    width, height = Image.open(pages[0]).size  # A4 at 150 dpi: 1240.2 x 1753.9 px
    assert abs(width - 1240) <= 1 and abs(height - 1754) <= 1
