"""Benchmark of label drawing (a script, not a test).

    python bench/bench_labels.py [--runs N] [--layout NAME] [--json]

Prints the median time of: one label PNG (exchange.labels.draw.label_png) against a
bare ``qrcode.make(url)`` saved to PNG, and one full sheet PDF (every position of the
layout, 21 labels on a4-3x7). Each run uses fresh codes, so no cache helps.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import qrcode  # noqa: E402

from exchange.labels.draw import LabelContent, label_png  # noqa: E402
from exchange.labels.layouts import DEFAULT_LAYOUT, LAYOUTS, positions_per_page  # noqa: E402
from exchange.labels.sheets import sheet_pdf  # noqa: E402

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def content(n: int) -> LabelContent:
    digits = "".join(ALPHABET[(n >> (5 * i)) % 32] for i in range(8))
    code = f"{digits[:4]}-{digits[4:]}"
    return LabelContent(
        url=f"https://lieu.example/i/{code}",
        code=code,
        title="Contreplaqué bouleau, chute de découpe",
        category="Plywood",
        dimensions="1200 × 400 × 18 mm",
        workshop="Atelier bois",
        lieu="La Fabrique du Quartier",
    )


def median_ms(runs: int, make: Callable[[int], bytes]) -> tuple[float, int]:
    times, size = [], 0
    for run in range(runs):
        started = time.perf_counter()
        size = len(make(run))
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), size


def bare_qr_png(n: int) -> bytes:
    out = io.BytesIO()
    qrcode.make(content(n).url).save(out)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--layout", default=DEFAULT_LAYOUT, choices=list(LAYOUTS))
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()
    layout = LAYOUTS[args.layout]
    per_sheet = positions_per_page(layout)
    label_png(content(10**6), layout)  # load the fonts once, as a running server has

    results = []
    for what, make in [
        ("bare qrcode.make(url) PNG", bare_qr_png),
        (f"label_png ({layout.name}, 300 dpi)", lambda n: label_png(content(1000 + n), layout)),
        (
            f"sheet_pdf ({layout.name}, {per_sheet} labels)",
            lambda n: sheet_pdf([content(10_000 + 100 * n + i) for i in range(per_sheet)], layout),
        ),
    ]:
        ms, size = median_ms(args.runs, make)
        results.append({"what": what, "median_ms": round(ms, 2), "bytes": size})

    if args.json:
        print(json.dumps({"runs": args.runs, "results": results}, indent=2))
        return
    width = max(len(r["what"]) for r in results)
    print(f"{'':{width}}  median ms    bytes   ({args.runs} runs)")
    for r in results:
        print(f"{r['what']:{width}}  {r['median_ms']:9.2f}  {r['bytes']:7d}")


if __name__ == "__main__":
    main()
