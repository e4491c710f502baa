"""`exchange backup` and `exchange restore`: consistent copies while the app runs."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from exchange.db import SQLITE_BUSY_TIMEOUT_S


def _sqlite_path(url: str) -> str | None:
    return url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else None


def _copy_sqlite(source: str, target: str) -> None:
    """SQLite's online backup API: a consistent snapshot even while others write."""
    with (
        sqlite3.connect(source, timeout=SQLITE_BUSY_TIMEOUT_S) as src,
        sqlite3.connect(target, timeout=SQLITE_BUSY_TIMEOUT_S) as dst,
    ):
        src.backup(dst)
    with sqlite3.connect(target) as check:
        (result,) = check.execute("PRAGMA integrity_check").fetchone()
    if result != "ok":
        raise SystemExit(f"the copy at {target} fails its integrity check: {result}")


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise SystemExit(f"{name} is needed for a PostgreSQL backup (Debian: apt-get install postgresql-client)")
    return path


def backup(database_url: str, path: str) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    if (source := _sqlite_path(database_url)) is not None:
        Path(path).unlink(missing_ok=True)
        _copy_sqlite(source, path)
        return
    # pg_dump works in one repeatable-read snapshot: consistent while writes go on.
    subprocess.run([_pg_tool("pg_dump"), "--format=custom", "--file", path, database_url], check=True)


def restore(database_url: str, path: str) -> None:
    if not Path(path).is_file():
        raise SystemExit(f"no backup at {path}")
    if (target := _sqlite_path(database_url)) is not None:
        _copy_sqlite(path, target)
        return
    subprocess.run(
        [
            _pg_tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--dbname",
            database_url,
            path,
        ],
        check=True,
    )
