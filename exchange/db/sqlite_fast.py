"""The fast SQLite path: Piccolo's SQLiteEngine with long-lived connections.

This is the one module that reaches into Piccolo's SQLite engine below its public API: it
overrides `_run_in_new_connection` and `_run_in_existing_connection` and replaces the
transaction class of write transactions. What it buys, measured (docs/benchmarks.md): reads
outside transactions on the event loop's own thread, and writers that take turns on one
long-lived connection, instead of a new connection (and its thread) per query.

It was written against one Piccolo release (`PICCOLO_VERSION`, pinned in pyproject.toml).
`sqlite_engine()` gives it only on that release: on any other it logs a warning and gives
Piccolo's stock SQLiteEngine, which is slower but right (the ledger and figures tests run on
it too). `EXCHANGE_SQLITE_FAST=0` asks for the stock engine.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
import weakref
from typing import Any

import aiosqlite
import piccolo
from piccolo.engine.sqlite import (
    SQLiteEngine,
    SQLiteTransaction,
    TransactionType,
    convert_int_out,
    dict_factory,
)

from exchange.db.sqlite_file import SQLITE_BUSY_TIMEOUT_S
from exchange.db.wal_index import WalIndexHeader

log = logging.getLogger("exchange.db")

# The release whose private methods ExchangeSQLiteEngine overrides; a new one is checked
# (tests on both SQLite engines, `make bench`) before this is changed with the pin.
PICCOLO_VERSION = "1.38.0"


def sqlite_engine(path: str, fast: bool) -> SQLiteEngine:
    """The fast engine when asked for and Piccolo is the release it was written for, else
    Piccolo's own (with the same busy timeout)."""
    if fast and piccolo.__VERSION__ != PICCOLO_VERSION:
        log.warning(
            "Piccolo %s is installed, the fast SQLite path was written for %s: using Piccolo's stock SQLite engine",
            piccolo.__VERSION__,
            PICCOLO_VERSION,
        )
        fast = False
    if fast:
        _register_faster_converters()
        return ExchangeSQLiteEngine(path=path)
    return SQLiteEngine(path=path, timeout=SQLITE_BUSY_TIMEOUT_S)


def _int_out(value: bytes) -> int:
    """Piccolo's INTEGER converter reads every integer through Decimal (so that 1.0 stored in
    an INTEGER column still reads as 1): 1.4 µs a value, 13 µs of an item's row of nine integer
    columns. int() reads the bytes of a whole number directly (0.2 µs); anything else still
    goes through Piccolo's converter, so the values are the same."""
    try:
        return int(value)
    except ValueError:
        return convert_int_out(value)


def _register_faster_converters() -> None:
    # sqlite3's converters are per process, for every connection: the stock engine's reads
    # get the same values, a little sooner.
    sqlite3.register_converter("INTEGER", _int_out)


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

    def read_now(self, query: str, args: list[Any]) -> list[dict] | None:
        """A select's rows read at once on the inline reader, or None when it must go the
        usual way (inside a transaction, too long, or the file busy). exchange.db.prepared
        calls it before building Piccolo's Raw query around SQL it compiled already: the Raw
        query, its QueryString and its result processing cost 20 µs of an item lookup that
        takes 30 µs in sqlite3 (measured in-process, 2026-12-01)."""
        if self.current_transaction.get() is not None:
            return None
        return self._inline_reader().read(query, args)

    def commit_mark(self) -> bytes | None:
        """A value that changes whenever anything is committed to the database, by any
        connection of any process (wal_index.py), or None when it cannot tell: inside a
        transaction (its own writes are not committed yet) or outside WAL mode."""
        if self.current_transaction.get() is not None:
            return None
        header = self._inline_reader().wal_index
        return header.read() if header is not None else None

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

    __slots__ = ("connection", "deadline", "wal_index")

    def __init__(self, connection_kwargs: dict[str, Any]) -> None:
        self.connection = sqlite3.connect(**connection_kwargs)
        self.connection.row_factory = dict_factory
        self.deadline = 0.0
        self.connection.set_progress_handler(self._over_budget, 2000)
        # A first read opens the WAL index, which this connection then keeps as long as it
        # lives: only then is a map of the -shm file sure to be the one every commit writes.
        try:
            self.connection.execute("SELECT COUNT(*) FROM sqlite_master").fetchall()
        except sqlite3.OperationalError:  # busy at this instant: no mark, reads as usual
            self.wal_index = None
        else:
            self.wal_index = WalIndexHeader.of(connection_kwargs["database"])

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
        self.connection.close()  # not the WAL index's map: see wal_index.py
