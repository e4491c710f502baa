"""The app under a real uvicorn with one worker, on a free loopback port, and its resident memory."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    base: str
    port: int
    pid: int
    log: Path

    def rss_mb(self) -> float:
        """Resident set size of the serving process (VmRSS), in MB."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS for the server")

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def bench_env(database_url: str, base: str, work: Path) -> dict[str, str]:
    return {
        **os.environ,
        "EXCHANGE_DATABASE_URL": database_url,
        "EXCHANGE_BASE_URL": base,
        "EXCHANGE_SECRET": "bench-secret-" + "x" * 40,
        "EXCHANGE_MEDIA_DIR": str(work / "media"),
        "EXCHANGE_VAR_DIR": str(work / "var"),
    }


@contextlib.contextmanager
def serve(database_url: str, work: Path, name: str) -> Iterator[Server]:
    """`uvicorn exchange.app:create_app --factory --workers 1`, stopped on exit."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = work / f"server-{name}.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "exchange.app:create_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                "1",
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            env=bench_env(database_url, base, work),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited with {process.returncode}: {log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=1) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not start within 60 s")
            time.sleep(0.2)
        yield Server(base=base, port=port, pid=process.pid, log=log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
