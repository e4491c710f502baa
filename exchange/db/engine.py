"""The engine from its URL, the engine every table uses, its start and stop, and write
transactions."""

from __future__ import annotations

from pathlib import Path

from piccolo.apps.migrations.tables import Migration
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import TransactionType

from exchange.db.sqlite_fast import ExchangeSQLiteEngine, sqlite_engine
from exchange.db.sqlite_file import prepare_sqlite_file

_current: Engine | None = None


def engine_from_url(url: str, *, sqlite_fast: bool | None = None) -> Engine:
    """`sqlite:///relative.db`, `sqlite:////absolute.db` or `postgresql://user@host:port/db`.

    SQLite takes the fast path (exchange.db.sqlite_fast) unless `sqlite_fast` or the setting
    EXCHANGE_SQLITE_FAST says no."""
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        if not path or path == ":memory:":
            raise SystemExit("EXCHANGE_DATABASE_URL: SQLite needs a file (':memory:' is one database per query)")
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        if sqlite_fast is None:
            from exchange.settings import get_settings

            sqlite_fast = get_settings().sqlite_fast
        return sqlite_engine(path, sqlite_fast)
    if url.startswith(("postgresql://", "postgres://")):
        # No JIT: the app's statements are short, and the planner cannot know it when a range
        # starts at a value read in the statement (the events after the keeper's mark: "3,000,000
        # rows", there were none). At 10,000,000 events JIT took 600 ms to compile a lieu's
        # opening stock that ran in 1 ms (docs/benchmarks.md, "Network of lieux").
        return PostgresEngine(config={"dsn": url, "server_settings": {"jit": "off"}})
    raise SystemExit(f"EXCHANGE_DATABASE_URL: unsupported database URL {url!r}")


def is_sqlite(engine: Engine) -> bool:
    return engine.engine_type == "sqlite"


def write_transaction(engine: Engine):
    """A write transaction: IMMEDIATE on SQLite, so writers queue instead of failing."""
    if is_sqlite(engine):
        return engine.transaction(transaction_type=TransactionType.immediate)
    return engine.transaction()


def all_tables() -> list:
    from exchange import tables

    return [*tables.ALL_TABLES, Migration]


def current_engine() -> Engine:
    """The engine the tables use: the one given to use_engine, else the one of the settings'
    URL (made on first use). Piccolo finds it through exchange.piccolo_conf."""
    global _current
    if _current is None:
        from exchange.settings import get_settings

        _current = engine_from_url(get_settings().database_url)
    return _current


def use_engine(engine: Engine) -> None:
    """Bind every table (Piccolo caches an engine per table) and Piccolo's own lookup to `engine`."""
    global _current
    _current = engine
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
    if isinstance(engine, ExchangeSQLiteEngine):
        await engine.close()  # its long-lived connections (the stock engine keeps none)
    elif not is_sqlite(engine):
        await engine.close_connection_pool()


def engine_identity(engine: Engine | None = None) -> tuple[int, str]:
    """Which database an engine reads, for keys of what a process keeps in memory (several
    engines live in one test process; an id alone may be reused after an engine is gone)."""
    engine = engine or current_engine()
    return id(engine), getattr(engine, "path", None) or repr(getattr(engine, "config", None))


def commit_mark(engine: Engine | None = None) -> bytes | None:
    """A value that changes whenever anything is committed to the database, by any process, or
    None when the engine cannot tell at no cost (PostgreSQL, Piccolo's stock SQLite engine,
    inside a transaction): what a process keeps from the database under an unchanged mark is
    still what the database holds; without a mark, it reads again."""
    engine = engine or current_engine()
    return engine.commit_mark() if isinstance(engine, ExchangeSQLiteEngine) else None
