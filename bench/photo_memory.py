"""The server's resident memory while four 40-megapixel PNG photos arrive at once, and after.

Photos are decoded two at a time, JPEGs at a reduced size and PNGs reduced at once (see
exchange/items/photos.py): the peak stays under 600 MB (it was 2.1 GB, and stayed there) and
falls back once they are stored. The PNG is a smooth 8000 x 5000 picture, so that it fits
under the 10 MB upload limit as a phone's panorama would."""

from __future__ import annotations

import io
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
from PIL import Image

from bench.lieu import Lieu
from bench.report import Figure
from bench.server import Server

SIDE = (8000, 5000)
AT_ONCE = 4
PEAK_TARGET_MB = 600


def forty_megapixel_png() -> bytes:
    small = Image.merge(
        "RGB",
        [
            Image.linear_gradient("L").resize((200, 125)),
            Image.linear_gradient("L").rotate(90).resize((200, 125)),
            Image.radial_gradient("L").resize((200, 125)),
        ],
    )
    out = io.BytesIO()
    small.resize(SIDE, Image.Resampling.BILINEAR).save(out, format="PNG", compress_level=6)
    return out.getvalue()


def measure_photo_memory(engine: str, server: Server, lieu: Lieu) -> list[Figure]:
    data = forty_megapixel_png()
    codes = lieu.codes[:AT_ONCE]
    headers = {"Authorization": f"Bearer {lieu.people.steward_token}"}
    before = server.rss_mb()
    peak, done = before, threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, server.rss_mb())
            time.sleep(0.005)

    def upload(code: str) -> int:
        files = {"file": (f"{code}.png", data, "image/png")}
        return httpx.post(
            f"{server.base}/api/v1/items/{code}/photos", files=files, headers=headers, timeout=300
        ).status_code

    sampler = threading.Thread(target=sample)
    sampler.start()
    started = time.perf_counter()
    try:
        with ThreadPoolExecutor(AT_ONCE) as pool:
            statuses = list(pool.map(upload, codes))
    finally:
        seconds = time.perf_counter() - started
        done.set()
        sampler.join()
    time.sleep(2)
    after = server.rss_mb()
    detail = {"png_mb": round(len(data) / 1e6, 1), "statuses": statuses, "seconds": round(seconds, 1)}
    stored = statuses == [201] * AT_ONCE
    return [
        Figure(
            engine,
            "photos.peak_rss",
            f"server memory, {AT_ONCE} x 40 Mpx PNG at once (peak)",
            peak,
            "MB",
            baseline_name="before",
            baseline=before,
            target=f"< {PEAK_TARGET_MB} MB",
            met=peak < PEAK_TARGET_MB and stored,
            detail=detail,
        ),
        Figure(
            engine,
            "photos.rss_after",
            "server memory 2 s after the photos",
            after,
            "MB",
            baseline_name="peak",
            baseline=peak,
            target="falls back (< before + 100 MB)",
            met=after < before + 100 and stored,
        ),
    ]
