"""A server holds its database: `exchange restore` refuses while one does, and a server does not
start while a restore runs.

SQLite: every worker holds a shared flock on `<db>-server.lock` (a file beside the database;
SQLite itself never uses that name); restore takes it exclusively, without waiting. PostgreSQL:
every worker holds a shared advisory lock on one connection of its own; restore asks for the
same key exclusively. Both locks end with the process that holds them, even on a crash, so a
killed server never leaves a restore refused forever.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

# An advisory lock key of Exchange's own (the bytes of "EXCHSRV1"): the whole cluster shares
# the key space, and the lock is per database anyway.
ADVISORY_KEY = int.from_bytes(b"EXCHSRV1", "big") >> 1

SERVING = (
    "A server is serving this database: stop it (every worker) first, then run exchange restore again. "
    "Nothing was changed."
)
RESTORING = "A restore of this database is running: the server starts once it has finished."


class DatabaseBusy(Exception):
    """Another process holds the database the other way round (serving or restoring)."""


def lock_path(sqlite_path: str) -> Path:
    return Path(f"{sqlite_path}-server.lock")


def _open_lock(sqlite_path: str) -> int:
    path = lock_path(sqlite_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return os.open(path, os.O_RDWR | os.O_CREAT, 0o600)


def hold_sqlite_for_serving(sqlite_path: str) -> int:
    """The lock file's descriptor, held shared until closed (the server's lifetime)."""
    fd = _open_lock(sqlite_path)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise DatabaseBusy(RESTORING) from None
    return fd


@contextlib.contextmanager
def sqlite_exclusive(sqlite_path: str) -> Iterator[None]:
    """Held by restore from its first check to its last write."""
    fd = _open_lock(sqlite_path)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DatabaseBusy(SERVING) from None
        yield
    finally:
        os.close(fd)


async def hold_postgres_for_serving(dsn: str):
    """A connection of its own holding the shared advisory lock; close it to let go."""
    import asyncpg

    connection = await asyncpg.connect(dsn)
    if not await connection.fetchval("SELECT pg_try_advisory_lock_shared($1)", ADVISORY_KEY):
        await connection.close()
        raise DatabaseBusy(RESTORING)
    return connection


async def postgres_exclusive(connection) -> None:
    """On restore's connection to the live database: refused while any server holds it."""
    if not await connection.fetchval("SELECT pg_try_advisory_lock($1)", ADVISORY_KEY):
        raise DatabaseBusy(SERVING)


async def hold_for_serving(engine) -> object:
    """What the server holds while it serves `engine`'s database (give it to `let_go`)."""
    if engine.engine_type == "sqlite":
        return hold_sqlite_for_serving(engine.path)
    return await hold_postgres_for_serving(engine.config["dsn"])


async def let_go(holding: object) -> None:
    if isinstance(holding, int):
        os.close(holding)
    else:
        await holding.close()
