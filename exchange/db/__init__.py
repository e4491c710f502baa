"""The database: the engine from its URL (engine.py), the migrations runner (migrations.py),
queries whose SQL is built once (prepared.py), reads of one turn sent together on PostgreSQL
(coalesced.py), the SQLite file's settings (sqlite_file.py) and the fast SQLite path
(sqlite_fast.py, the one module below Piccolo's public API).

Piccolo finds its engine through exchange.piccolo_conf, which asks engine.current_engine();
nothing here imports piccolo_conf."""

import os

# Piccolo finds its configuration by module name; ours lives in the package so it is found
# from any working directory.
os.environ.setdefault("PICCOLO_CONF", "exchange.piccolo_conf")

from exchange.db.coalesced import CoalescedReads  # noqa: E402
from exchange.db.engine import (  # noqa: E402
    all_tables,
    commit_mark,
    current_engine,
    engine_from_url,
    engine_identity,
    is_sqlite,
    start,
    stop,
    use_engine,
    write_transaction,
)
from exchange.db.migrations import migrate  # noqa: E402
from exchange.db.prepared import Prepared, PreparedInsert, PreparedSQL  # noqa: E402
from exchange.db.sqlite_file import SQLITE_BUSY_TIMEOUT_S, prepare_sqlite_file  # noqa: E402

__all__ = [
    "SQLITE_BUSY_TIMEOUT_S",
    "CoalescedReads",
    "Prepared",
    "PreparedInsert",
    "PreparedSQL",
    "all_tables",
    "commit_mark",
    "current_engine",
    "engine_from_url",
    "engine_identity",
    "is_sqlite",
    "migrate",
    "prepare_sqlite_file",
    "start",
    "stop",
    "use_engine",
    "write_transaction",
]
