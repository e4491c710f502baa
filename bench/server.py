"""The app as shipped (`exchange serve`, one worker) and the bare Litestar hello-world (uvicorn
--no-access-log), each on a free loopback port, and the app's resident memory."""

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

ROOT = Path(__file__).resolve().parents[1]


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
def _process(command: list[str], env: dict[str, str], port: int, ready_path: str, log: Path) -> Iterator[Server]:
    """Start `command`, wait until GET `ready_path` answers 200, stop it on exit."""
    base = f"http://127.0.0.1:{port}"
    with open(log, "wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited with {process.returncode}: {log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{base}{ready_path}", timeout=1) as answer:
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


@contextlib.contextmanager
def serve(database_url: str, work: Path, name: str, *extra: str) -> Iterator[Server]:
    """`exchange serve` as shipped (one worker, its default logging), stopped on exit."""
    port = free_port()
    env = bench_env(database_url, f"http://127.0.0.1:{port}", work)
    command = [sys.executable, "-m", "exchange.cli", "serve", "--host", "127.0.0.1", "--port", str(port), *extra]
    with _process(command, env, port, "/healthz", work / f"server-{name}.log") as server:
        yield server


@contextlib.contextmanager
def hello_world(work: Path) -> Iterator[Server]:
    """The framework floor: bench/hello.py under `uvicorn --no-access-log`, one worker."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "bench.hello:app", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", "1", "--log-level", "warning", "--no-access-log"]
    with _process(command, dict(os.environ), port, "/", work / "hello.log") as server:
        yield server
