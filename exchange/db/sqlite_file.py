"""The SQLite file's own settings: the busy timeout every connection waits, and WAL."""

from __future__ import annotations

import sqlite3

SQLITE_BUSY_TIMEOUT_S = 30


def prepare_sqlite_file(path: str) -> None:
    """WAL lets readers go on while one writer writes; it is a property of the file, set once.

    `synchronous` stays at SQLite's FULL: an intake answered 201 survives a power cut too."""
    with sqlite3.connect(path, timeout=SQLITE_BUSY_TIMEOUT_S) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
