"""Sheets of labels as a print-ready PDF at true physical size.

Each page is one 1-bit image of the whole sheet (or of one roll label) at the requested
dpi, drawn over a page of exactly ``page_w_mm`` x ``page_h_mm``: printed at "actual
size" (no fit-to-page), every label lands on its die-cut position.

The PDF is written here, page by page, rather than by Pillow's ``save_all``: Pillow
needs every page image in memory at once, and an A4 page at 300 dpi takes 8.7 MB in
memory even in mode "1" (one byte per pixel), so a 20-page batch would take 170 MB.
Here each page is compressed (about 60 kB) as soon as it is drawn.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Sequence

from PIL import Image

from exchange.labels.draw import LabelContent, mm_to_px, render_label
from exchange.labels.layouts import MM_PER_INCH, POINTS_PER_INCH, Layout, positions_per_page


def _check(contents: Sequence[LabelContent], layout: Layout, start: int) -> None:
    if not contents:
        raise ValueError("no labels to print")
    per_page = positions_per_page(layout)
    if not 1 <= start <= per_page:
        raise ValueError(
            f"start must be the first free position on the sheet, from 1 to {per_page} for {layout.name}, not {start}"
        )


def sheet_pages(
    contents: Sequence[LabelContent], layout: Layout, start: int = 1, dpi: int = 300
) -> Iterator[Image.Image]:
    """The pages as 1-bit images of the page's size at ``dpi``, one at a time: the
    first skips the ``start - 1`` positions already used, row by row."""
    _check(contents, layout, start)
    per_page = positions_per_page(layout)
    size = (mm_to_px(layout.page_w_mm, dpi), mm_to_px(layout.page_h_mm, dpi))
    slot = start - 1
    page = None
    for content in contents:
        if page is None:
            page = Image.new("1", size, 1)
        x, y = layout.position_mm(slot)
        page.paste(render_label(content, layout, dpi), (mm_to_px(x, dpi), mm_to_px(y, dpi)))
        slot += 1
        if slot == per_page:
            yield page
            page, slot = None, 0
    if page is not None:
        yield page


def page_count(n_labels: int, layout: Layout, start: int = 1) -> int:
    per_page = positions_per_page(layout)
    return -(-(start - 1 + n_labels) // per_page)


def _points(mm: float) -> str:
    return f"{mm / MM_PER_INCH * POINTS_PER_INCH:.4f}".rstrip("0").rstrip(".")


def _pdf(pages: Iterator[Image.Image], page_w_mm: float, page_h_mm: float) -> bytes:
    """A PDF with one page per 1-bit image, each stretched over a page of exactly
    ``page_w_mm`` x ``page_h_mm`` (the MediaBox, in points)."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, int] = {}

    def obj(number: int, entries: bytes, stream: bytes | None = None) -> None:
        """Object ``number``: a dictionary of ``entries``, with its stream if any."""
        offsets[number] = len(out)
        if stream is None:
            out.extend(b"%d 0 obj\n<< %s >>\nendobj\n" % (number, entries))
        else:
            out.extend(b"%d 0 obj\n<< %s /Length %d >>\nstream\n" % (number, entries, len(stream)))
            out.extend(stream + b"\nendstream\nendobj\n")

    w, h = _points(page_w_mm).encode(), _points(page_h_mm).encode()
    kids = []
    # Objects 1 (catalog) and 2 (page tree) come last, once the pages are known.
    for i, page in enumerate(pages):
        page_ref, contents_ref, image_ref = 3 + 3 * i, 4 + 3 * i, 5 + 3 * i
        kids.append(b"%d 0 R" % page_ref)
        obj(
            page_ref,
            b"/Type /Page /Parent 2 0 R /MediaBox [0 0 %s %s] "
            b"/Resources << /XObject << /Label %d 0 R >> >> /Contents %d 0 R" % (w, h, image_ref, contents_ref),
        )
        obj(contents_ref, b"", b"q %s 0 0 %s 0 0 cm /Label Do Q" % (w, h))
        # Mode "1" raw bytes are exactly PDF's 1-bit DeviceGray rows: 8 pixels a byte,
        # most significant first, 1 = white, each row padded to a whole byte.
        obj(
            image_ref,
            b"/Type /XObject /Subtype /Image /Width %d /Height %d "
            b"/ColorSpace /DeviceGray /BitsPerComponent 1 /Filter /FlateDecode" % page.size,
            zlib.compress(page.tobytes(), 6),
        )
    obj(1, b"/Type /Catalog /Pages 2 0 R")
    obj(2, b"/Type /Pages /Kids [%s] /Count %d" % (b" ".join(kids), len(kids)))

    xref = len(out)
    count = 3 + 3 * len(kids)
    out.extend(b"xref\n0 %d\n0000000000 65535 f \n" % count)
    for number in range(1, count):
        out.extend(b"%010d 00000 n \n" % offsets[number])
    out.extend(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (count, xref))
    return bytes(out)


def sheet_pdf(contents: list[LabelContent], layout: Layout, start: int = 1, dpi: int = 300) -> bytes:
    """The labels of ``contents``, in order, as a PDF of as many pages of ``layout`` as
    needed, at true size. ``start`` (1-based, row by row) is the first free position of
    the first sheet, for a sheet already partly used. Raises ValueError when
    ``contents`` is empty or ``start`` is not a position of the sheet."""
    _check(contents, layout, start)
    return _pdf(sheet_pages(contents, layout, start, dpi), layout.page_w_mm, layout.page_h_mm)
