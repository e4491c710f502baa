"""Drawing one label: the QR code of the item's page, its code in large type, and what it is.

Pure: no database, no HTTP. The image is 1-bit (mode ``"1"``), exactly the label's size
at the requested dpi, so it prints crisp on a laser printer and on a thermal label
printer alike, and a sheet of them stays small.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

import qrcode
import qrcode.constants
from PIL import Image, ImageDraw, ImageFont

from exchange.labels.layouts import MM_PER_INCH, Layout

# Error correction: M (15 % of the codewords can be restored).
# What decides whether a phone reads a label is the size of a module once the camera
# has blurred and shrunk it, and every EC step up grows the symbol: for a typical URL
# ("https://lieu.example/i/7K3M-Q9D2", 32 bytes) M and Q are both version 3 (29 modules),
# but at 40-50 bytes Q needs version 5 (37 modules) where M stays at version 4 (33), so Q
# would shrink the modules by 11 % on the same label. tests/test_labels_degradation.py
# measures the result: M decodes in 100 % of the simulated phone shots on every layout.
# When the URL fits the same version at Q, we take Q: more resistance to scratches,
# stains and torn corners for free. (H is not used: it costs a version at typical
# lengths.)
BASE_ERROR_CORRECTION = qrcode.constants.ERROR_CORRECT_M
FREE_UPGRADE_ERROR_CORRECTION = qrcode.constants.ERROR_CORRECT_Q
QUIET_ZONE_MODULES = 4  # ISO/IEC 18004: four modules of white around the symbol.
# Below this a module is too small for a phone at scanning distance: refuse rather than
# print a label nobody can scan (a 29 mm label holds 0.5 mm modules up to version 7,
# i.e. URLs of about 120 bytes).
MIN_MODULE_MM = 0.5

TEXT_PAD_MM = 2.0  # Keeps text off the edges: sheet misregistration, printer margins.
CODE_MAX_EM_RATIO = 0.2  # The code's font size at most this part of the label's short side.
DETAIL_MAX_PT = 9.0
DETAIL_MIN_PT = 5.0
ELLIPSIS = "\u2026"

_FONT_FILES = {"regular": "DejaVuSans.ttf", "bold": "DejaVuSans-Bold.ttf"}


@dataclass(frozen=True)
class LabelContent:
    url: str
    code: str  # canonical "XXXX-XXXX"
    title: str = ""
    category: str = ""
    dimensions: str = ""  # e.g. "1200 × 400 × 18 mm"
    lieu: str = ""
    workshop: str = ""


def mm_to_px(mm: float, dpi: int) -> int:
    return round(mm * dpi / MM_PER_INCH)


def label_size_px(layout: Layout, dpi: int) -> tuple[int, int]:
    return mm_to_px(layout.label_w_mm, dpi), mm_to_px(layout.label_h_mm, dpi)


@lru_cache(maxsize=None)
def _font_bytes(kind: str) -> bytes:
    return files("exchange").joinpath("data", "fonts", _FONT_FILES[kind]).read_bytes()


@lru_cache(maxsize=256)
def _font(kind: str, size_px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(io.BytesIO(_font_bytes(kind)), size_px)


@lru_cache(maxsize=1024)
def qr_modules(url: str) -> tuple[tuple[bool, ...], ...]:
    """The QR symbol of ``url`` without its quiet zone, one bool per module (True =
    dark): error correction M, or Q when Q fits the same version."""
    qr = qrcode.QRCode(error_correction=BASE_ERROR_CORRECTION, border=0)
    qr.add_data(url)
    qr.make(fit=True)
    upgraded = qrcode.QRCode(error_correction=FREE_UPGRADE_ERROR_CORRECTION, border=0,
                             version=qr.version)
    upgraded.add_data(url)
    try:
        upgraded.make(fit=False)
        qr = upgraded
    except qrcode.exceptions.DataOverflowError:
        pass
    return tuple(tuple(row) for row in qr.get_matrix())


def _qr_image(url: str, side_px: int, dpi: int) -> Image.Image:
    """The symbol plus its 4-module quiet zone, as large as fits in ``side_px`` with a
    whole number of pixels per module (never resampled)."""
    modules = qr_modules(url)
    n = len(modules)
    module_px = side_px // (n + 2 * QUIET_ZONE_MODULES)
    if module_px < 1 or module_px * MM_PER_INCH / dpi < MIN_MODULE_MM:
        raise ValueError(
            f"the URL ({len(url.encode())} bytes) makes a QR code of {n} modules, too "
            f"fine to scan on this label: shorten the lieu's base URL")
    symbol = Image.frombytes(
        "L", (n, n), bytes(0 if dark else 255 for row in modules for dark in row))
    symbol = symbol.convert("1", dither=Image.Dither.NONE)
    # Integer upscale with NEAREST is an exact copy of each module, not a resampling.
    symbol = symbol.resize((n * module_px, n * module_px), Image.Resampling.NEAREST)
    block = Image.new("1", ((n + 2 * QUIET_ZONE_MODULES) * module_px,) * 2, 1)
    block.paste(symbol, (QUIET_ZONE_MODULES * module_px,) * 2)
    return block


def _fit(text: str, font: ImageFont.FreeTypeFont, width: float) -> str:
    """``text`` as is if it fits in ``width`` pixels, else its longest prefix that fits
    with an ellipsis (empty if not even the ellipsis fits)."""
    if font.getlength(text) <= width:
        return text
    lo, hi = 0, len(text)  # the longest fitting prefix length is in [lo, hi)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if font.getlength(text[:mid].rstrip() + ELLIPSIS) <= width:
            lo = mid
        else:
            hi = mid - 1
    if lo == 0 and font.getlength(ELLIPSIS) > width:
        return ""
    return text[:lo].rstrip() + ELLIPSIS


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: float, max_lines: int) -> list[str]:
    """Word-wrap ``text`` into at most ``max_lines`` lines of ``width`` pixels; the last
    line takes the rest, truncated with an ellipsis."""
    lines: list[str] = []
    rest = " ".join(text.split())
    while rest and len(lines) < max_lines - 1:
        if font.getlength(rest) <= width:
            break
        words = rest.split(" ")
        line = words[0]
        taken = 1
        while taken < len(words) and font.getlength(line + " " + words[taken]) <= width:
            line += " " + words[taken]
            taken += 1
        if font.getlength(line) > width:  # one word wider than the line: cut it
            cut = max(1, len(_fit(line, font, width).rstrip(ELLIPSIS)))
            lines.append(line[:cut])
            rest = rest[cut:].lstrip()
        else:
            lines.append(line)
            rest = " ".join(words[taken:])
    if rest:
        lines.append(_fit(rest, font, width))
    return lines


def _line_height(font: ImageFont.FreeTypeFont) -> int:
    ascent, descent = font.getmetrics()
    return ascent + descent


def _text_block(content: LabelContent, width: int, height: int, dpi: int,
                code_max_px: int) -> list[tuple[str, ImageFont.FreeTypeFont]]:
    """The lines of text beside (or under) the QR code, each with its font, fitted to a
    ``width`` x ``height`` pixel box: the code as large as fits, then the details at the
    largest size between DETAIL_MAX_PT and DETAIL_MIN_PT at which they all fit (the
    title on two lines if there is room); what still does not fit is left off from the
    end, the least useful first."""
    bold_ref = _font("bold", 100)
    code_px = int(min(code_max_px, 100 * width / bold_ref.getlength(content.code)))
    while code_px > 1 and _font("bold", code_px).getlength(content.code) > width:
        code_px -= 1
    code_font = _font("bold", max(code_px, 1))
    block = [(_fit(content.code, code_font, width), code_font)]
    room = height - _line_height(code_font)

    others = [t for t in (content.category, content.dimensions, content.workshop,
                          content.lieu) if t.strip()]
    title = " ".join(content.title.split())
    pt_to_px = dpi / 72.0
    size = DETAIL_MAX_PT
    while True:
        font = _font("regular", max(1, round(size * pt_to_px)))
        gap = _line_height(font) // 3  # between the code and the details
        for title_lines in (2, 1):
            lines = (_wrap(title, font, width, title_lines) if title else []) + others
            if gap + len(lines) * _line_height(font) <= room:
                return block + [(_fit(line, font, width), font) for line in lines]
        if size <= DETAIL_MIN_PT:
            fitting = max(0, (room - gap) // _line_height(font))
            return block + [(_fit(line, font, width), font) for line in lines[:fitting]]
        size = max(DETAIL_MIN_PT, size - 0.5)


def render_label(content: LabelContent, layout: Layout, dpi: int = 300) -> Image.Image:
    """The label as a 1-bit image of exactly the label's size at ``dpi``.

    Wide labels put the QR code on the left, filling the height, and the text on its
    right; narrow ones (width < 1.3 x height, e.g. 29 x 62 mm) put the QR code on top,
    filling the width, and the text under it.
    """
    w, h = label_size_px(layout, dpi)
    image = Image.new("1", (w, h), 1)
    pad = mm_to_px(TEXT_PAD_MM, dpi)
    landscape = w >= 1.3 * h
    qr = _qr_image(content.url, h if landscape else w, dpi)
    side = qr.width
    if landscape:
        image.paste(qr, (0, (h - side) // 2))
        box = (side, pad, w - pad, h - pad)  # the quiet zone separates QR and text
    else:
        image.paste(qr, ((w - side) // 2, 0))
        box = (pad, side, w - pad, h - pad)
    box_w, box_h = box[2] - box[0], box[3] - box[1]
    if box_w <= 0 or box_h <= 0:
        return image
    lines = _text_block(content, box_w, box_h, dpi,
                        code_max_px=int(CODE_MAX_EM_RATIO * min(w, h)))
    draw = ImageDraw.Draw(image)
    draw.fontmode = "1"  # no anti-aliasing: crisp 1-bit text
    heights = [_line_height(font) for _, font in lines]
    gap = heights[1] // 3 if len(lines) > 1 else 0
    y = box[1] + max(0, (box_h - sum(heights) - gap) // 2)  # centred vertically
    for i, ((text, font), line_h) in enumerate(zip(lines, heights)):
        draw.text((box[0], y), text, font=font, fill=0, anchor="la")
        y += line_h + (gap if i == 0 else 0)
    return image


def label_png(content: LabelContent, layout: Layout, dpi: int = 300) -> bytes:
    """The label as PNG bytes, with its dpi recorded in the file (pHYs) so that image
    viewers and printer drivers print it at its true size."""
    out = io.BytesIO()
    render_label(content, layout, dpi).save(out, "PNG", dpi=(dpi, dpi))
    return out.getvalue()
