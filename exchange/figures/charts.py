"""Charts as inline SVG, drawn here in Python: no script, no external service, and they
print. Pure functions of their numbers; the page puts a table of the same numbers beside
each chart for screen readers and for anyone who wants the exact values."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

# Colours readable on screen and distinct in greyscale print (light, middle, dark).
REUSED = "#2f7d4f"
RECYCLED = "#7fb8d6"
DISCARDED = "#5b4a3f"
CO2E = "#3d6b8c"


@dataclass(frozen=True)
class Series:
    name: str
    colour: str
    values: Sequence[float]


def nice_step(maximum: float, ticks: int = 4) -> float:
    """A round step (1, 2 or 5 times a power of ten) giving about `ticks` gridlines up to `maximum`."""
    if maximum <= 0:
        return 1.0
    raw = maximum / ticks
    power = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 5, 10):
        if raw <= multiple * power:
            return multiple * power
    return 10 * power  # pragma: no cover


def stacked_bars(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    unit: str,
    number: Callable[[float], str] = lambda v: f"{v:g}",
    width: int = 640,
    height: int = 260,
) -> str:
    """Bars per label, the series stacked bottom-up, with a y axis in `unit` and a legend."""
    left, right, top, bottom = 56, 8, 26, 54
    plot_w, plot_h = width - left - right, height - top - bottom
    totals = [sum(max(0.0, s.values[i]) for s in series) for i in range(len(labels))]
    step = nice_step(max(totals, default=0))
    top_value = step * max(1, math.ceil(max(totals, default=0) / step))
    slot = plot_w / max(1, len(labels))
    bar_w = slot * 0.64

    def y(value: float) -> float:
        return top + plot_h - plot_h * value / top_value

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(title)}" preserveAspectRatio="xMidYMid meet">',
        f"<title>{escape(title)}</title>",
    ]
    tick = 0.0
    while tick <= top_value + step / 2:
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
            f'stroke="#ccc" stroke-width="{1 if tick else 1.5}"/>'
        )
        parts.append(
            f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" font-size="12" fill="#444">'
            f"{escape(number(tick))}</text>"
        )
        tick += step
    parts.append(f'<text x="{left - 6}" y="13" text-anchor="end" font-size="12" fill="#444">{escape(unit)}</text>')
    for i, label in enumerate(labels):
        x = left + slot * i + (slot - bar_w) / 2
        base = 0.0
        for s in series:
            value = max(0.0, s.values[i])
            if value > 0:
                parts.append(
                    f'<rect x="{x:.1f}" y="{y(base + value):.1f}" width="{bar_w:.1f}" '
                    f'height="{y(base) - y(base + value):.1f}" fill="{s.colour}">'
                    f"<title>{escape(label)} · {escape(s.name)} : {escape(number(value))} {escape(unit)}</title></rect>"
                )
            base += value
        # "sept. 24": the month on one line, the year under it, so twelve labels never overlap
        first, _, second = label.rpartition(" ") if " " in label else (label, "", "")
        centre = x + bar_w / 2
        parts.append(
            f'<text x="{centre:.1f}" y="{top + plot_h + 15}" text-anchor="middle" font-size="12" fill="#222">'
            f"{escape(first)}"
            + (f'<tspan x="{centre:.1f}" dy="13">{escape(second)}</tspan>' if second else "")
            + "</text>"
        )
    if len(series) > 1:
        x = left
        for s in series:
            parts.append(f'<rect x="{x}" y="{height - 16}" width="11" height="11" fill="{s.colour}"/>')
            parts.append(f'<text x="{x + 15}" y="{height - 6}" font-size="12" fill="#222">{escape(s.name)}</text>')
            x += 28 + 7 * len(s.name)
    parts.append("</svg>")
    return "".join(parts)
