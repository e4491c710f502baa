"""The SQLite file's own settings: the busy timeout every connection waits, WAL, and its mode (0600)."""

from __future__ import annotations

import contextlib
import os
import sqlite3

SQLITE_BUSY_TIMEOUT_S = 30


def prepare_sqlite_file(path: str) -> None:
    """WAL lets readers go on while one writer writes; it is a property of the file, set once.

    `synchronous` stays at SQLite's FULL: an intake answered 201 survives a power cut too.
    A new file is created readable by its owner only (it holds password hashes); SQLite gives
    its -wal and -shm files the same mode."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    with sqlite3.connect(path, timeout=SQLITE_BUSY_TIMEOUT_S) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
