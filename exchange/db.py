"""The database engine from its URL, SQLite's pragmas, and the migrations."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import sys
import time
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiosqlite
from piccolo.apps.migrations.tables import Migration
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory
from piccolo.querystring import QueryString

# Piccolo finds its configuration by module name; ours lives in the package so it is found
# from any working directory.
os.environ.setdefault("PICCOLO_CONF", "exchange.piccolo_conf")

SQLITE_BUSY_TIMEOUT_S = 30


# A read outside a transaction first runs right on the event loop, for at most this long;
# past it (or if the file is busy) it is interrupted and runs again on the reader's thread.
SQLITE_INLINE_READ_BUDGET_S = 0.003
_INTERRUPTED = ("interrupted", "database is locked", "database table is locked")


class ExchangeSQLiteEngine(SQLiteEngine):
    """Piccolo's SQLite engine with long-lived connections for work outside transactions.

    Piccolo opens a new connection per query, which costs ten times a one-row lookup;
    reads on the workshop floor are the hot path. A SELECT outside a transaction runs on a
    plain sqlite3 connection in the event loop's own thread: an indexed lookup takes tens of
    microseconds there, less than handing it to aiosqlite's thread and back. So that a long
    query never holds the loop, a progress handler interrupts it after
    SQLITE_INLINE_READ_BUDGET_S, and a busy file fails at once (no busy timeout on that
    connection); both then run on the long-lived aiosqlite connection, like everything else
    outside transactions. Reads in WAL mode see the last committed state either way.
    Transactions still get their own connection (IMMEDIATE ones serialise writers), so this
    changes no isolation.
    """

    __slots__ = ("_shared", "_inline", "_writers", "_write_locks")

    def __init__(self, path: str, **kwargs: Any) -> None:
        super().__init__(path=path, timeout=SQLITE_BUSY_TIMEOUT_S, **kwargs)
        self._shared: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, aiosqlite.Connection] = (
            weakref.WeakKeyDictionary()
        )
        self._inline: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _InlineReader] = weakref.WeakKeyDictionary()
        self._writers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, aiosqlite.Connection] = (
            weakref.WeakKeyDictionary()
        )
        self._write_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    def transaction(self, transaction_type: TransactionType = TransactionType.deferred, allow_nested: bool = True):
        """A write transaction (IMMEDIATE or EXCLUSIVE) waits its turn in this process, then runs
        on the long-lived writer connection; a deferred one is Piccolo's own."""
        if transaction_type is TransactionType.deferred:
            return super().transaction(transaction_type=transaction_type, allow_nested=allow_nested)
        return _WriteTransaction(engine=self, transaction_type=transaction_type, allow_nested=allow_nested)

    def _write_lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        lock = self._write_locks.get(loop)
        if lock is None:
            lock = self._write_locks[loop] = asyncio.Lock()
        return lock

    async def _writer(self) -> _InlineWriter:
        """The writer connection of this loop (only used under its write lock)."""
        loop = asyncio.get_running_loop()
        connection = self._writers.get(loop)
        if connection is None:
            connection = self._writers[loop] = _InlineWriter(self.connection_kwargs)
        elif connection.in_transaction:  # left open by a cancelled task: start clean
            await connection.rollback()
        return connection

    async def _drop_writer(self) -> None:
        connection = self._writers.pop(asyncio.get_running_loop(), None)
        if connection is not None:
            try:
                await connection.close()
            except Exception:  # already broken: a new one is opened next time
                pass

    async def _run_in_existing_connection(self, connection, query, args=None, query_type="generic", table=None):
        if query_type == "insert" and self.get_version_sync() < 3.35:
            return await super()._run_in_existing_connection(connection, query, args, query_type, table)
        # Piccolo sends PRAGMA foreign_keys = 1 before each query of a transaction: the
        # connection got it when opened (get_connection), and inside a transaction it is a no-op.
        async with connection.execute(query, args or []) as cursor:
            return await cursor.fetchall()

    async def _shared_connection(self) -> aiosqlite.Connection:
        loop = asyncio.get_running_loop()
        connection = self._shared.get(loop)
        if connection is None:
            connection = await aiosqlite.connect(**self.connection_kwargs)
            connection.row_factory = dict_factory  # type: ignore[assignment]
            await connection.execute("PRAGMA foreign_keys = 1")
            self._shared[loop] = connection
        return connection

    def _inline_reader(self) -> _InlineReader:
        loop = asyncio.get_running_loop()
        reader = self._inline.get(loop)
        if reader is None:
            reader = self._inline[loop] = _InlineReader({**self.connection_kwargs, "timeout": 0})
        return reader

    async def _run_in_new_connection(self, query, args=None, query_type="generic", table=None):
        if query[:6].upper() == "SELECT":
            rows = self._inline_reader().read(query, args or [])
            if rows is not None:
                return rows
        connection = await self._shared_connection()
        async with connection.execute(query, args or []) as cursor:
            return await cursor.fetchall()

    async def close(self) -> None:
        for reader in list(self._inline.values()):
            reader.close()
        self._inline.clear()
        for connection in [*self._shared.values(), *self._writers.values()]:
            await connection.close()
        self._shared.clear()
        self._writers.clear()


class _WriteTransaction(SQLiteTransaction):
    """IMMEDIATE/EXCLUSIVE: one at a time per process, on the engine's long-lived writer connection.

    SQLite lets one writer in at a time anyway; writers of the same process that queue on an
    asyncio lock instead of SQLite's busy handler (which sleeps and retries, up to 100 ms a
    time) take turns at once, and none opens a connection (and its thread) per transaction.
    Writers in other processes still meet at SQLite's lock, with the busy timeout."""

    __slots__ = ()

    async def __aenter__(self) -> SQLiteTransaction:
        if self._parent is not None:
            return self._parent
        lock = self.engine._write_lock()
        await lock.acquire()
        try:
            self.connection = await self.engine._writer()
            await self.connection.begin(f"BEGIN {self.transaction_type.value}")
        except BaseException:
            await self.engine._drop_writer()
            lock.release()
            raise
        self.context = self.engine.current_transaction.set(self)
        return self

    async def __aexit__(self, exception_type, exception, traceback) -> bool:
        if self._parent:
            return exception is None
        try:
            if exception:
                if not self._rolled_back:
                    await self.rollback()
            elif not self._committed and not self._rolled_back:
                await self.commit()
        except BaseException:
            await self.engine._drop_writer()  # closing it rolls back whatever was left
            raise
        finally:
            self.engine.current_transaction.reset(self.context)
            self.engine._write_lock().release()
        return exception is None


class _InlineCursor:
    __slots__ = ("_cursor",)

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    async def fetchall(self) -> list:
        return self._cursor.fetchall()

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def close(self) -> None:
        self._cursor.close()


class _InlineStatement:
    """What aiosqlite's `execute` gives (awaitable, or `async with`), run at once in this thread."""

    __slots__ = ("_connection", "_sql", "_args", "_cursor")

    def __init__(self, connection: sqlite3.Connection, sql: str, args: Any) -> None:
        self._connection, self._sql, self._args = connection, sql, args
        self._cursor: _InlineCursor | None = None

    def _run(self) -> _InlineCursor:
        return _InlineCursor(self._connection.execute(self._sql, self._args))

    def __await__(self):
        return _ready(self._run()).__await__()

    async def __aenter__(self) -> _InlineCursor:
        self._cursor = self._run()
        return self._cursor

    async def __aexit__(self, *exc: Any) -> None:
        if self._cursor is not None:
            await self._cursor.close()


async def _ready(value: Any) -> Any:
    return value


class _InlineWriter:
    """The process's SQLite writer connection, run in the event loop's thread.

    Write transactions take turns on the engine's lock; each statement of one was a round trip
    to aiosqlite's thread, and under load every hand-over waited for the GIL behind the other
    requests (the server was 70 % idle at 250 intakes/s). A write of one row takes tens of
    microseconds; the commit's fsync (synchronous=FULL) a fraction of a millisecond. SQLite's
    busy handler would block the loop, so this connection has none: BEGIN retries with
    asyncio.sleep while another process writes (`begin_immediate`), up to the busy timeout."""

    __slots__ = ("_connection",)

    def __init__(self, connection_kwargs: dict[str, Any]) -> None:
        self._connection = sqlite3.connect(**{**connection_kwargs, "timeout": 0})
        self._connection.row_factory = dict_factory
        self._connection.execute("PRAGMA foreign_keys = 1")

    @property
    def in_transaction(self) -> bool:
        return self._connection.in_transaction

    def execute(self, sql: str, args: Any = ()) -> _InlineStatement:
        return _InlineStatement(self._connection, sql, args if args is not None else ())

    async def begin(self, statement: str) -> None:
        deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_S
        pause = 0.001
        while True:
            try:
                self._connection.execute(statement)
                return
            except sqlite3.OperationalError as error:
                if str(error) not in _INTERRUPTED[1:] or time.monotonic() > deadline:
                    raise
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.05)

    async def commit(self) -> None:
        self._connection.commit()

    async def rollback(self) -> None:
        self._connection.rollback()

    async def close(self) -> None:
        self._connection.close()


class _InlineReader:
    """A sqlite3 connection for short reads in the event loop's thread (see ExchangeSQLiteEngine)."""

    __slots__ = ("connection", "deadline")

    def __init__(self, connection_kwargs: dict[str, Any]) -> None:
        self.connection = sqlite3.connect(**connection_kwargs)
        self.connection.row_factory = dict_factory
        self.deadline = 0.0
        self.connection.set_progress_handler(self._over_budget, 2000)

    def _over_budget(self) -> int:
        return 1 if time.perf_counter() > self.deadline else 0

    def read(self, query: str, args: list[Any]) -> list[dict] | None:
        """The rows, or None when the read must go to the reader's thread instead."""
        self.deadline = time.perf_counter() + SQLITE_INLINE_READ_BUDGET_S
        cursor = self.connection.cursor()
        try:
            return cursor.execute(query, args).fetchall()
        except sqlite3.OperationalError as error:
            if str(error) in _INTERRUPTED:
                return None
            raise
        finally:
            cursor.close()

    def close(self) -> None:
        self.connection.close()


class _Slot:
    """A stand-in value while a Prepared query's SQL is built; found again among its arguments."""

    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index


class Prepared:
    """A Piccolo select whose SQL is built once per engine type; each run fills in new values.

    Piccolo rebuilds a query's SQL on every run, which for a select of an item with its joins
    costs more than the lookup itself (half the time of GET /api/v1/items/{code}). `build`
    receives one stand-in per value and returns the query; the result rows go through the same
    processing as the query's own run (`_process_results`), so they are what it returns."""

    __slots__ = ("_table", "_build", "_count", "_compiled")

    def __init__(self, table: Any, build: Callable[..., Any], count: int) -> None:
        self._table = table
        self._build = build
        self._count = count
        self._compiled: dict[str, tuple[Any, str, list[Any], list[tuple[int, int]]]] = {}

    def _for(self, engine_type: str) -> tuple[Any, str, list[Any], list[tuple[int, int]]]:
        compiled = self._compiled.get(engine_type)
        if compiled is None:
            query = self._build(*(_Slot(i) for i in range(self._count)))
            (querystring,) = query.querystrings
            sql, args = querystring.compile_string(engine_type=engine_type)
            positions = [(n, arg.index) for n, arg in enumerate(args) if isinstance(arg, _Slot)]
            if sorted(i for _, i in positions) != list(range(self._count)):
                raise ValueError("each value of a Prepared query must appear once in its SQL")
            compiled = self._compiled[engine_type] = (query, sql, list(args), positions)
        return compiled

    def sql(self, engine_type: str) -> str:
        """The SQL text, with the engine's placeholders (? or $n)."""
        return self._for(engine_type)[1]

    async def rows(self, *values: Any) -> list[dict]:
        engine = self._table._meta.db
        query, sql, args, positions = self._for(engine.engine_type)
        args = list(args)
        for n, index in positions:
            args[n] = values[index]
        querystring = QueryString("", query_type="select", table=self._table)
        querystring._frozen_compiled_strings = (sql, args)
        return await query._process_results(await engine.run_querystring(querystring))

    async def rows_with(self, template: str, *values: Any) -> list[dict]:
        """The rows of the query (built without values) with `template` appended to its SQL:
        WHERE / ORDER BY / LIMIT clauses with {} for each of `values`."""
        engine = self._table._meta.db
        query, sql, args, _ = self._for(engine.engine_type)
        if args:
            raise ValueError("rows_with() extends a query that has no values of its own")
        escaped = sql.replace("{", "{{").replace("}", "}}")
        querystring = QueryString(f"{escaped} {template}", *values, query_type="select", table=self._table)
        return await query._process_results(await engine.run_querystring(querystring))

    async def first(self, *values: Any) -> dict | None:
        rows = await self.rows(*values)
        return rows[0] if rows else None


class PreparedSQL:
    """Hand-written SQL (`?` placeholders, turned into `$n` on PostgreSQL), run as is: no query
    built per run. For what Piccolo's builder cannot say in one statement (scalar subqueries);
    `table` only tells which engine runs it. Rows come back as the driver gives them."""

    __slots__ = ("_table", "_sql", "_query_type")

    def __init__(self, table: Any, sql: str, query_type: str = "select") -> None:
        self._table = table
        self._query_type = query_type
        parts = sql.split("?")
        postgres = parts[0] + "".join(f"${n}{part}" for n, part in enumerate(parts[1:], start=1))
        self._sql = {"sqlite": sql, "postgres": postgres, "cockroach": postgres}

    async def rows(self, *values: Any) -> list[dict]:
        engine = self._table._meta.db
        querystring = QueryString("", query_type=self._query_type, table=self._table)
        querystring._frozen_compiled_strings = (self._sql[engine.engine_type], list(values))
        return await engine.run_querystring(querystring)

    async def first(self, *values: Any) -> dict | None:
        rows = await self.rows(*values)
        return rows[0] if rows else None


class PreparedInsert:
    """One row into `table`, every column but the primary key given by name; the primary key
    returned. The SQL is written once, where Piccolo builds an instance and its INSERT on each
    run (a third of an intake's CPU). Values go to the driver as Piccolo would pass them (JSON
    columns take their text), so no column is left to a database default."""

    __slots__ = ("_names", "_insert")

    def __init__(self, table: Any) -> None:
        primary = table._meta.primary_key._meta.db_column_name
        self._names = [c._meta.db_column_name for c in table._meta.columns if c._meta.db_column_name != primary]
        columns = ",".join(f'"{name}"' for name in self._names)
        marks = ",".join("?" for _ in self._names)
        self._insert = PreparedSQL(
            table,
            f'INSERT INTO "{table._meta.tablename}" ({columns}) VALUES ({marks}) RETURNING "{primary}"',
            query_type="insert",
        )

    async def run(self, values: dict[str, Any]) -> Any:
        """The new row's primary key. Every column must be in `values` (KeyError otherwise)."""
        if len(values) != len(self._names):
            raise KeyError(f"expected exactly the columns {self._names}, got {sorted(values)}")
        rows = await self._insert.rows(*(values[name] for name in self._names))
        return next(iter(rows[0].values()))


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
    """WAL lets readers go on while one writer writes; it is a property of the file, set once.

    `synchronous` stays at SQLite's FULL: an intake answered 201 survives a power cut too."""
    with sqlite3.connect(path, timeout=SQLITE_BUSY_TIMEOUT_S) as connection:
        connection.execute("PRAGMA journal_mode=WAL")


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
        await engine.start_connection_pool(min_size=1, max_size=10, reset=_keep_session)


async def _keep_session(connection) -> None:
    """What the pool does to a connection given back, after asyncpg has rolled back any
    transaction left open: nothing more. Its default (RESET ALL, UNLISTEN, CLOSE ALL, advisory
    unlocks) is one more round trip per query, for session state this app never sets."""


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
    # Piccolo reports on stdout; that belongs to the command's own output (e.g. a CSV).
    with contextlib.redirect_stdout(sys.stderr):
        result = await run_forwards(app_name="exchange")
    if not result.success:
        raise RuntimeError(f"migrations failed: {result.message}")
