"""5. Label PNG and A4 sheet times, on the generated lieu's items (the labels issue's measures)."""

from __future__ import annotations

import time

from bench.lieu import Lieu
from bench.report import Figure, percentile


async def measure_labels(engine: str, lieu: Lieu, repeat: int = 15) -> list[Figure]:
    try:
        from exchange.labels import service
    except ImportError as error:  # a checkout without the labels service yet
        return [Figure(engine, "labels.png", f"label PNG: not measured ({error})", None, "ms")]

    codes = lieu.codes[:21]
    await service.item_label_png(codes[0])  # warm-up: fonts, QR tables
    png_ms, sheet_ms = [], []
    deadline = time.monotonic() + 60
    for n in range(repeat):
        started = time.perf_counter()
        await service.item_label_png(codes[n % len(codes)])
        png_ms.append((time.perf_counter() - started) * 1000)
        if n < 5:
            started = time.perf_counter()
            await service.labels_pdf(codes, "a4-3x7")
            sheet_ms.append((time.perf_counter() - started) * 1000)
        if time.monotonic() > deadline:
            break
    png, sheet = percentile(png_ms, 50), percentile(sheet_ms, 50)
    return [
        Figure(
            engine,
            "labels.png",
            f"label PNG (a4-3x7, 300 dpi) p50 (max {max(png_ms):.0f} ms)",
            png,
            "ms",
            detail={"runs_ms": png_ms},
        ),
        Figure(
            engine,
            "labels.sheet",
            f"A4 sheet PDF, 21 labels p50 (max {max(sheet_ms):.0f} ms)",
            sheet,
            "ms",
            detail={"runs_ms": sheet_ms},
        ),
    ]
