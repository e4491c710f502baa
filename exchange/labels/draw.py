"""Drawing one label: the QR code of the item's page, its code in large type, and what it is.

Pure: no database, no HTTP. The image is 1-bit (mode ``"1"``), exactly the label's size
at the requested dpi, so it prints crisp on a laser printer and on a thermal label
printer alike, and a sheet of them stays small.
"""

from __future__ import annotations

import io
import math
import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib.resources import files

import qrcode
import qrcode.constants
import qrcode.exceptions
from PIL import Image, ImageDraw, ImageFont

from exchange.labels.layouts import MM_PER_INCH, Layout

# Error correction and module size, from what tests/test_labels_degradation.py measures.
# Whether a phone reads a label depends on the size of a module once the camera has
# shrunk and blurred it far more than on the EC level: in the simulated shots at 30 cm
# (3.0-4.6 px/mm, Gaussian blur up to 1.5 px, 20 degree turn, slant, uneven light,
# JPEG 50) the failures are all at the small-and-blurred corner, and modules of 1.1 mm
# decode in 99-100 % of 300 shots, 1.0 mm in 94-99 %, 0.85 mm in 82 %. Each EC level
# up costs a version (4 modules) at typical URL lengths: for
# "https://lieu.example/i/7K3M-Q9D2" (32 bytes) L is version 2 (25 modules) and M
# version 3 (29), i.e. 13 px (1.1 mm) vs 12 px (1.0 mm) modules on a 38.1 mm label at
# 300 dpi. So the level is chosen per label: the most robust of H, Q, M, L whose modules
# still reach RELIABLE_MODULE_MM; when none does (a small label, a long URL), the level
# giving the largest modules, as robust as that size allows. On the sheet labels and
# rolls this gives L for a typical URL (M would decode in 94-98.7 % instead of 99-100 %);
# a larger label or a shorter URL gets M, Q or H.
EC_LEVELS = {  # most robust first: restores 30 %, 25 %, 15 %, 7 % of the codewords
    "H": qrcode.constants.ERROR_CORRECT_H,
    "Q": qrcode.constants.ERROR_CORRECT_Q,
    "M": qrcode.constants.ERROR_CORRECT_M,
    "L": qrcode.constants.ERROR_CORRECT_L,
}
RELIABLE_MODULE_MM = 1.1
# Below this nothing scans at arm's length: refuse rather than print a dud (a 29 mm
# label still holds 0.5 mm modules at version 8, URLs of up to 192 bytes).
MIN_MODULE_MM = 0.5
QUIET_ZONE_MODULES = 4  # ISO/IEC 18004: four modules of white around the symbol.

# Text keeps off the edges: sheets shift by up to a millimetre in a laser printer, and a
# Brother QL leaves about 1.5 mm across and 3 mm along the tape unprinted.
TEXT_PAD_X_MM = 2.0
TEXT_PAD_Y_MM = 3.0
CODE_MAX_EM_RATIO = 0.2  # The code's font size at most this part of the label's short side.
DETAIL_MAX_PT = 9.0
DETAIL_MIN_PT = 5.0
ELLIPSIS = "\u2026"

_FONT_FILES = {"regular": "DejaVuSans.ttf", "bold": "DejaVuSans-Bold.ttf"}


@dataclass(frozen=True)
class LabelContent:
    url: str
    code: str  # canonical, e.g. "7K3M-Q9D2"
    title: str = ""
    category: str = ""
    dimensions: str = ""  # e.g. "1200 × 400 × 18 mm"
    lieu: str = ""
    workshop: str = ""


def mm_to_px(mm: float, dpi: int) -> int:
    return round(mm * dpi / MM_PER_INCH)


def label_size_px(layout: Layout, dpi: int) -> tuple[int, int]:
    return mm_to_px(layout.label_w_mm, dpi), mm_to_px(layout.label_h_mm, dpi)


@cache
def _font_bytes(kind: str) -> bytes:
    return files("exchange").joinpath("data", "fonts", _FONT_FILES[kind]).read_bytes()


@lru_cache(maxsize=256)
def _font(kind: str, size_px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(io.BytesIO(_font_bytes(kind)), size_px)


@dataclass(frozen=True)
class QrPlan:
    """The QR code chosen for a label: EC level, modules (True = dark, without the quiet
    zone) and the whole number of pixels per module."""

    error_correction: str
    modules: tuple[tuple[bool, ...], ...]
    module_px: int

    @property
    def size(self) -> int:
        return len(self.modules)


def _qr_code(url: str, level: str) -> qrcode.QRCode:
    qr = qrcode.QRCode(error_correction=EC_LEVELS[level], border=0)
    qr.add_data(url)
    qr.best_fit()  # the smallest version that holds the URL (cheap: no mask scoring)
    return qr


@lru_cache(maxsize=1024)
def _symbol(url: str, level: str) -> tuple[tuple[bool, ...], ...]:
    qr = _qr_code(url, level)
    qr.make(fit=False)  # the costly part: tries the 8 masks
    return tuple(tuple(row) for row in qr.get_matrix())


def plan_qr(url: str, side_px: int, dpi: int) -> QrPlan:
    """The QR code of ``url`` for a square of ``side_px`` (quiet zone included) at
    ``dpi``: see RELIABLE_MODULE_MM for the rule."""
    module_px = {}
    for level in EC_LEVELS:
        try:
            modules = 17 + 4 * _qr_code(url, level).version
        except (qrcode.exceptions.DataOverflowError, ValueError):  # beyond version 40
            module_px[level] = 0
            continue
        module_px[level] = side_px // (modules + 2 * QUIET_ZONE_MODULES)
    reliable_px = math.ceil(RELIABLE_MODULE_MM * dpi / MM_PER_INCH)
    target_px = min(reliable_px, max(module_px.values()))
    level = next(level for level, px in module_px.items() if px >= target_px)
    if module_px[level] < 1 or module_px[level] * MM_PER_INCH / dpi < MIN_MODULE_MM:
        raise ValueError(
            f"the URL ({len(url.encode())} bytes) makes a QR code too fine to scan on "
            f"this label: shorten the lieu's base URL"
        )
    return QrPlan(level, _symbol(url, level), module_px[level])


def _qr_image(url: str, side_px: int, dpi: int) -> Image.Image:
    """The symbol plus its 4-module quiet zone, as large as fits in ``side_px`` with a
    whole number of pixels per module (never resampled)."""
    plan = plan_qr(url, side_px, dpi)
    n, module_px = plan.size, plan.module_px
    symbol = Image.frombytes("L", (n, n), bytes(0 if dark else 255 for row in plan.modules for dark in row))
    symbol = symbol.convert("1", dither=Image.Dither.NONE)
    # Integer upscale with NEAREST is an exact copy of each module, not a resampling.
    symbol = symbol.resize((n * module_px, n * module_px), Image.Resampling.NEAREST)
    block = Image.new("1", ((n + 2 * QUIET_ZONE_MODULES) * module_px,) * 2, 1)
    block.paste(symbol, (QUIET_ZONE_MODULES * module_px,) * 2)
    return block


def _one_line(text: str) -> str:
    """``text`` as one line: control characters and line or paragraph breaks (which the
    text layout refuses) become spaces, runs of spaces one."""
    return " ".join(
        "".join(" " if unicodedata.category(c)[0] == "C" or c in "\u2028\u2029" else c for c in text).split()
    )


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
    line takes the rest, truncated with an ellipsis (also when a word is wider than a
    line: words are not cut in two)."""
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
        if font.getlength(line) > width:  # a word wider than the line: the ellipsis
            break  # below reads better than a word cut in two
        lines.append(line)
        rest = " ".join(words[taken:])
    if rest:
        lines.append(_fit(rest, font, width))
    return lines


def _line_height(font: ImageFont.FreeTypeFont) -> int:
    ascent, descent = font.getmetrics()
    return ascent + descent


def _fit_dimensions(text: str, size_px: int, min_px: int, width: float) -> tuple[str, ImageFont.FreeTypeFont]:
    """Dimensions are worth more whole than legible at a glance: tighten the spaces
    around the "×", then shrink the type down to ``min_px``, before an ellipsis."""
    compact = re.sub(r"\s*[×x]\s*", "×", text)
    font = _font("regular", size_px)
    if font.getlength(text) <= width:
        return text, font
    for px in range(size_px, min_px - 1, -1):
        font = _font("regular", px)
        if font.getlength(compact) <= width:
            return compact, font
    return _fit(compact, font, width), font


def _text_block(
    content: LabelContent, width: int, height: int, dpi: int, code_max_px: int
) -> tuple[list[tuple[str, ImageFont.FreeTypeFont]], int]:
    """The lines of text beside (or under) the QR code, each with its font, fitted to a
    ``width`` x ``height`` pixel box, and the gap to leave after the first one: the code
    as large as fits, then the details at the largest size between DETAIL_MAX_PT and
    DETAIL_MIN_PT at which they all fit (the title on two lines if there is room); what
    still does not fit is left off from the end (the lieu first, then the workshop)."""
    code = _one_line(content.code) or " "
    code_px = min(code_max_px, int(100 * width / _font("bold", 100).getlength(code)))
    while code_px > 1 and _font("bold", code_px).getlength(code) > width:
        code_px -= 1
    code_font = _font("bold", max(code_px, 1))
    room = height - _line_height(code_font)

    title = _one_line(content.title)
    # (text, is_dimensions) of the one-line details, in order of usefulness.
    details = map(_one_line, (content.category, content.dimensions, content.workshop, content.lieu))
    others = [(t, i == 1) for i, t in enumerate(details) if t]
    pt_to_px = dpi / 72.0
    min_px = max(1, round(DETAIL_MIN_PT * pt_to_px))
    size = DETAIL_MAX_PT
    while True:
        size_px = max(1, round(size * pt_to_px))
        font = _font("regular", size_px)
        line_h = _line_height(font)
        gap = line_h // 3
        fitting = None
        for title_lines in (2, 1):
            lines = [(line, False) for line in (_wrap(title, font, width, title_lines) if title else [])] + others
            if gap + len(lines) * line_h <= room:
                fitting = lines
                break
        if fitting is None and size_px <= min_px:
            fitting = lines[: max(0, (room - gap) // line_h)]
        if fitting is not None:
            break
        size = max(DETAIL_MIN_PT, size - 0.5)

    block = [(_fit(code, code_font, width), code_font)]
    for line, is_dimensions in fitting:
        if is_dimensions:
            block.append(_fit_dimensions(line, size_px, min_px, width))
        else:
            block.append((_fit(line, font, width), font))
    return block, (gap if len(block) > 1 else 0)


def render_label(content: LabelContent, layout: Layout, dpi: int = 300) -> Image.Image:
    """The label as a 1-bit image of exactly the label's size at ``dpi``.

    Wide labels put the QR code on the left, filling the height, and the text on its
    right; tall ones (width < 1.3 x height, e.g. a 29 x 90 mm label printed along a 29 mm
    tape) put the QR code on top, filling the width, and the text under it.
    """
    w, h = label_size_px(layout, dpi)
    image = Image.new("1", (w, h), 1)
    pad_x, pad_y = mm_to_px(TEXT_PAD_X_MM, dpi), mm_to_px(TEXT_PAD_Y_MM, dpi)
    landscape = w >= 1.3 * h
    qr = _qr_image(content.url, h if landscape else w, dpi)
    side = qr.width
    if landscape:
        image.paste(qr, (0, (h - side) // 2))
        box = (side, pad_y, w - pad_x, h - pad_y)  # the quiet zone separates QR and text
    else:
        image.paste(qr, ((w - side) // 2, 0))
        box = (pad_x, side, w - pad_x, h - pad_y)
    box_w, box_h = box[2] - box[0], box[3] - box[1]
    if box_w <= 0 or box_h <= 0:
        return image
    lines, gap = _text_block(content, box_w, box_h, dpi, code_max_px=int(CODE_MAX_EM_RATIO * min(w, h)))
    # Drawn on its own canvas, pasted: no glyph's overhang can reach the quiet zone or
    # leave the label.
    text = Image.new("1", (box_w, box_h), 1)
    draw = ImageDraw.Draw(text)
    draw.fontmode = "1"  # no anti-aliasing: crisp 1-bit text
    heights = [_line_height(font) for _, font in lines]
    y = 0
    if landscape:  # centred beside the QR code; under it, close to it
        y = max(0, (box_h - sum(heights) - gap) // 2)
    for i, ((line, font), line_h) in enumerate(zip(lines, heights)):
        draw.text((0, y), line, font=font, fill=0, anchor="la")
        y += line_h + (gap if i == 0 else 0)
    image.paste(text, box[:2])
    return image


def label_png(content: LabelContent, layout: Layout, dpi: int = 300) -> bytes:
    """The label as PNG bytes, with its dpi recorded in the file (pHYs) so that image
    viewers and printer drivers print it at its true size."""
    out = io.BytesIO()
    render_label(content, layout, dpi).save(out, "PNG", dpi=(dpi, dpi))
    return out.getvalue()
