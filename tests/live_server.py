"""A real uvicorn serving the app on a free loopback port, for tests that need real concurrency."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def live_server(
    database_url: str, workers: int = 1, env: dict[str, str] | None = None, port: int | None = None
) -> Iterator[str]:
    """Serve `database_url` (already migrated) and yield the base URL; stopped on exit.
    `port`: the same one again, for a server that replaces another at the same origin."""
    port = port or free_port()
    base = f"http://127.0.0.1:{port}"
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
            str(workers),
            "--log-level",
            "warning",
        ],
        env={**os.environ, "EXCHANGE_DATABASE_URL": database_url, "EXCHANGE_BASE_URL": base, **(env or {})},
    )
    try:
        # A server starts in about 1 s idle; 60 s leaves room for a machine loaded by other work.
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited with {process.returncode}")
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not start within 60 s")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
