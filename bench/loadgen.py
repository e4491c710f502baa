"""A small HTTP/1.1 load generator, run in its own process (`python -m bench.loadgen SPEC.json`).

Keep-alive connections, each sending its next request when the answer is in (closed loop),
for a fixed time: what wrk does, for machines without wrk, and for the intake load, whose
answers we read (a "database is locked" must be seen, not just counted as a 500). Only
127.0.0.1, and every loop is bounded in time and in count.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from urllib.parse import urlsplit

MAX_REQUESTS = 2_000_000


async def _read_answer(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    length = 0
    chunked = False
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if chunked:
        body = bytearray()
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                break
            body += chunk[:-2]
        return status, bytes(body)
    return status, await reader.readexactly(length) if length else b""


async def run(spec: dict) -> dict:
    url = urlsplit(spec["base"])
    host, port = url.hostname, url.port
    if host not in ("127.0.0.1", "localhost"):
        raise SystemExit("the load generator only loads 127.0.0.1")
    method = spec.get("method", "GET")
    paths: list[str] = spec["paths"]
    body = spec.get("body", "").encode()
    headers = "".join(f"{k}: {v}\r\n" for k, v in spec.get("headers", {}).items())
    duration = float(spec["duration"])
    warmup = float(spec.get("warmup", 0))
    watch = [w.encode() for w in spec.get("watch", [])]
    counter = {"next": 0}
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    seen: dict[str, int] = {w.decode(): 0 for w in watch}
    errors = {"connect": 0, "read": 0}
    start = time.perf_counter()
    measure_from = start + warmup
    stop_at = measure_from + duration

    def request_bytes() -> bytes:
        path = paths[counter["next"] % len(paths)]
        counter["next"] += 1
        extra = f"content-length: {len(body)}\r\n" if body or method != "GET" else ""
        return (f"{method} {path} HTTP/1.1\r\nhost: {host}:{port}\r\n{headers}{extra}\r\n").encode() + body

    async def client() -> None:
        reader = writer = None
        sent = 0
        while time.perf_counter() < stop_at and sent < MAX_REQUESTS:
            if writer is None:
                try:
                    reader, writer = await asyncio.open_connection(host, port)
                except OSError:
                    errors["connect"] += 1
                    await asyncio.sleep(0.01)
                    continue
            began = time.perf_counter()
            try:
                writer.write(request_bytes())
                status, answer = await _read_answer(reader)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                errors["read"] += 1
                writer.close()
                writer = None
                continue
            sent += 1
            ended = time.perf_counter()
            if measure_from <= began and ended <= stop_at:
                latencies.append(ended - began)
                statuses[status] = statuses.get(status, 0) + 1
                for w in watch:
                    if w in answer:
                        seen[w.decode()] += 1
        if writer is not None:
            writer.close()

    await asyncio.gather(*(client() for _ in range(int(spec["connections"]))))
    latencies.sort()

    def pct(p: float) -> float | None:
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000 if latencies else None

    ok = sum(n for s, n in statuses.items() if 200 <= s < 400)
    return {
        "tool": "bench.loadgen",
        "requests": len(latencies),
        "ok": ok,
        "non_2xx": len(latencies) - ok,
        "statuses": {str(k): v for k, v in statuses.items()},
        "seen": seen,
        "errors": errors,
        "seconds": duration,
        "rps": len(latencies) / duration,
        "p50_ms": pct(50),
        "p99_ms": pct(99),
    }


def main() -> None:
    spec = json.loads(open(sys.argv[1]).read())
    try:
        import uvloop  # type: ignore[import-not-found]

        uvloop.install()
    except ImportError:
        pass
    print(json.dumps(asyncio.run(run(spec))))


if __name__ == "__main__":
    main()
