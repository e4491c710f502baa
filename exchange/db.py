"""The database engine from its URL, SQLite's pragmas, and the migrations."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import weakref
from pathlib import Path
from typing import Any

import aiosqlite
from piccolo.apps.migrations.tables import Migration
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType, dict_factory

# Piccolo finds its configuration by module name; ours lives in the package so it is found
# from any working directory.
os.environ.setdefault("PICCOLO_CONF", "exchange.piccolo_conf")

SQLITE_BUSY_TIMEOUT_S = 30


class ExchangeSQLiteEngine(SQLiteEngine):
    """Piccolo's SQLite engine with one long-lived connection for work outside transactions.

    Piccolo opens a new connection per query, which costs ten times a one-row lookup;
    reads on the workshop floor are the hot path. Transactions still get their own
    connection (IMMEDIATE ones serialise writers), so this changes no isolation.
    """

    __slots__ = ("_shared",)

    def __init__(self, path: str, **kwargs: Any) -> None:
        super().__init__(path=path, timeout=SQLITE_BUSY_TIMEOUT_S, **kwargs)
        self._shared: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, aiosqlite.Connection] = (
            weakref.WeakKeyDictionary()
        )

    async def _shared_connection(self) -> aiosqlite.Connection:
        loop = asyncio.get_running_loop()
        connection = self._shared.get(loop)
        if connection is None:
            connection = await aiosqlite.connect(**self.connection_kwargs)
            connection.row_factory = dict_factory  # type: ignore[assignment]
            await connection.execute("PRAGMA foreign_keys = 1")
            self._shared[loop] = connection
        return connection

    async def _run_in_new_connection(self, query, args=None, query_type="generic", table=None):
        connection = await self._shared_connection()
        async with connection.execute(query, args or []) as cursor:
            return await cursor.fetchall()

    async def close(self) -> None:
        for connection in list(self._shared.values()):
            await connection.close()
        self._shared.clear()


def engine_from_url(url: str) -> Engine:
    """`sqlite:///relative.db`, `sqlite:////absolute.db` or `postgresql://user@host:port/db`."""
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        if not path or path == ":memory:":
            raise SystemExit("EXCHANGE_DATABASE_URL: SQLite needs a file (':memory:' is one database per query)")
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        return ExchangeSQLiteEngine(path=path)
    if url.startswith(("postgresql://", "postgres://")):
        return PostgresEngine(config={"dsn": url})
    raise SystemExit(f"EXCHANGE_DATABASE_URL: unsupported database URL {url!r}")


def is_sqlite(engine: Engine) -> bool:
    return engine.engine_type == "sqlite"


def write_transaction(engine: Engine):
    """A write transaction: IMMEDIATE on SQLite, so writers queue instead of failing."""
    if is_sqlite(engine):
        return engine.transaction(transaction_type=TransactionType.immediate)
    return engine.transaction()


def prepare_sqlite_file(path: str) -> None:
    """WAL lets readers go on while one writer writes; it is a property of the file, set once."""
    with sqlite3.connect(path, timeout=SQLITE_BUSY_TIMEOUT_S) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")


def all_tables() -> list:
    from exchange import tables

    return [*tables.ALL_TABLES, Migration]


def use_engine(engine: Engine) -> None:
    """Bind every table (Piccolo caches an engine per table) and piccolo_conf to `engine`."""
    from exchange import piccolo_conf

    piccolo_conf.DB = engine
    for table in all_tables():
        table._meta.db = engine


async def start(engine: Engine) -> None:
    if is_sqlite(engine):
        prepare_sqlite_file(engine.path)
    else:
        await engine.start_connection_pool(min_size=1, max_size=10)


async def stop(engine: Engine) -> None:
    if is_sqlite(engine):
        await engine.close()
    else:
        await engine.close_connection_pool()


async def migrate(engine: Engine) -> None:
    """Apply the migrations in ../migrations; safe to run twice."""
    from piccolo.apps.migrations.commands.forwards import run_forwards

    use_engine(engine)
    if is_sqlite(engine):
        prepare_sqlite_file(engine.path)
    result = await run_forwards(app_name="exchange")
    if not result.success:
        raise RuntimeError(f"migrations failed: {result.message}")
