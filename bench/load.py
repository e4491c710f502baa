"""Driving the server from another process: wrk (Debian's package) when it is there, else
bench.loadgen. Both report requests per second and the p50 and p99 latencies in ms."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

WRK_SCRIPT = """
local paths = {}
for line in io.lines("%(paths)s") do paths[#paths + 1] = line end
local i = 0
wrk.method = "%(method)s"
%(headers)s
request = function()
  i = i + 1
  return wrk.format(nil, paths[(i %% #paths) + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %%d, "duration_us": %%d, "non_2xx": %%d, "connect": %%d, "read": %%d, "write": %%d, ' ..
    '"timeout": %%d, "p50_us": %%d, "p99_us": %%d}\\n',
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


def wrk_path() -> str | None:
    """wrk, installed from Debian's packages when we are root and it is missing."""
    if os.environ.get("BENCH_NO_WRK"):
        return None
    if shutil.which("wrk") is None and os.geteuid() == 0 and shutil.which("apt-get"):
        print("  installing wrk from Debian's packages (apt-get install wrk)...", flush=True)
        for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "wrk"]):
            subprocess.run(
                command,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
                timeout=300,
            )
    return shutil.which("wrk")


def _wrk(
    wrk: str,
    base: str,
    paths: list[str],
    connections: int,
    seconds: float,
    method: str,
    headers: dict[str, str],
    body: str,
) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        paths_file = Path(tmp) / "paths.txt"
        paths_file.write_text("\n".join(paths) + "\n")
        lines = [f'wrk.headers["{k}"] = "{v}"' for k, v in headers.items()]
        if body:
            lines.append(f"wrk.body = {json.dumps(body)}")
        script = Path(tmp) / "bench.lua"
        script.write_text(WRK_SCRIPT % {"paths": paths_file, "method": method, "headers": "\n".join(lines)})
        out = subprocess.run(
            [
                wrk,
                "-t1",
                f"-c{connections}",
                f"-d{max(1, round(seconds))}s",
                "--timeout",
                "10s",
                "-s",
                str(script),
                base,
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
        )
    line = next((row for row in out.stdout.splitlines() if row.startswith("BENCH ")), None)
    if line is None:
        raise RuntimeError(f"wrk said: {out.stdout} {out.stderr}")
    r = json.loads(line[6:])
    duration = r["duration_us"] / 1e6
    return {
        "tool": "wrk",
        "requests": r["requests"],
        "non_2xx": r["non_2xx"],
        "errors": {k: r[k] for k in ("connect", "read", "write", "timeout")},
        "seconds": duration,
        "rps": r["requests"] / duration,
        "p50_ms": r["p50_us"] / 1000,
        "p99_ms": r["p99_us"] / 1000,
    }


def _loadgen(
    base: str,
    paths: list[str],
    connections: int,
    seconds: float,
    warmup: float,
    method: str,
    headers: dict[str, str],
    body: str,
    watch: list[str],
) -> dict:
    spec = {
        "base": base,
        "paths": paths,
        "connections": connections,
        "duration": seconds,
        "warmup": warmup,
        "method": method,
        "headers": headers,
        "body": body,
        "watch": watch,
    }
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(spec, f)
    try:
        out = subprocess.run(
            [sys.executable, "-m", "bench.loadgen", f.name],
            capture_output=True,
            text=True,
            timeout=warmup + seconds + 60,
            cwd=Path(__file__).resolve().parents[1],
        )
    finally:
        os.unlink(f.name)
    if out.returncode != 0:
        raise RuntimeError(f"bench.loadgen failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def drive(
    base: str,
    paths: list[str],
    *,
    connections: int,
    seconds: float,
    warmup: float = 1.0,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: str = "",
    watch: list[str] | None = None,
    tool: str = "auto",
) -> dict:
    """Load `base` + each of `paths` in turn for `seconds` (after `warmup`) from another process."""
    headers = headers or {}
    wrk = wrk_path() if tool in ("auto", "wrk") else None
    if wrk and not watch:
        if warmup:
            _wrk(wrk, base, paths, connections, warmup, method, headers, body)
        return _wrk(wrk, base, paths, connections, seconds, method, headers, body)
    return _loadgen(base, paths, connections, seconds, warmup, method, headers, body, watch or [])
