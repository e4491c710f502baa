"""Draw the installable app's PNG icons (static/img/icon-192.png, icon-512.png) from the
shapes of static/img/icon.svg, with Pillow (no SVG renderer needed).

    .venv/bin/python tools/app-icons.py

Drawn 4x larger, then scaled down (antialiased edges). Running it twice gives the same files.
"""

from pathlib import Path

from PIL import Image, ImageDraw

STATIC = Path(__file__).resolve().parents[1] / "static" / "img"
GREEN, CREAM, AMBER = "#1f5130", "#f4efe3", "#e9a23b"
SUPERSAMPLE = 4


def icon(size: int) -> Image.Image:
    big = size * SUPERSAMPLE
    unit = big / 32  # the SVG's viewBox is 32 x 32

    def at(x: float, y: float) -> tuple[float, float]:
        return (x * unit, y * unit)

    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=6 * unit, fill=GREEN)
    stroke = round(2.5 * unit)
    triangle = [at(7, 22), at(16, 8), at(25, 22), at(7, 22)]
    draw.line(triangle, fill=CREAM, width=stroke, joint="curve")
    for x, y in triangle[:3]:  # round joins at the corners, as stroke-linejoin="round"
        r = stroke / 2
        draw.ellipse((x - r, y - r, x + r, y + r), fill=CREAM)
    draw.line([at(11, 22), at(21, 22)], fill=AMBER, width=stroke)
    return image.resize((size, size), Image.Resampling.LANCZOS)


if __name__ == "__main__":
    for size in (192, 512):
        path = STATIC / f"icon-{size}.png"
        icon(size).save(path, optimize=True)
        print(f"wrote {path.relative_to(STATIC.parents[1])}")
