"""A measured figure, its baseline, its target, and the table they print as."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Figure:
    engine: str
    key: str  # stable id, e.g. "http.item_json.rps"
    name: str
    value: float | None
    unit: str
    baseline_name: str = ""
    baseline: float | None = None
    ratio: float | None = None  # value / baseline, or baseline / value when `lower_is_better`
    target: str = ""  # e.g. ">= 0.6 x hello", "p95 < 20 ms"
    met: bool | None = None  # None: no target for this figure
    detail: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def _num(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    if abs(value) >= 100:
        text = f"{value:,.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.2f}"
    return f"{text} {unit}".strip()


def table(figures: list[Figure]) -> str:
    """One plain-text table (also valid Markdown)."""
    head = ["engine", "figure", "measured", "baseline", "ratio", "target", "met"]
    rows = []
    for f in figures:
        met = "-" if f.met is None else ("yes" if f.met else "NO")
        baseline = f"{f.baseline_name}: {_num(f.baseline, f.unit)}" if f.baseline_name else "-"
        rows.append(
            [
                f.engine,
                f.name,
                _num(f.value, f.unit),
                baseline,
                "-" if f.ratio is None else f"{f.ratio:.2f}",
                f.target or "-",
                met,
            ]
        )
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)) + " |"

    return "\n".join([line(head), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, rows)])
