"""The stock's monthly changes, kept ahead of the figures (see exchange/figures/stock.py).
Written by hand, for both engines.

The tables start empty: the server's keeper fills them from the ledger in the background
(in chunks), and the figures are right before that too (they then sum the events). The
index event_stock, which served the sum over the whole ledger, goes: nothing reads it now,
and every event written paid for it.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-26T10:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "stock changes per month, kept ahead for the figures"

TABLES = """
CREATE TABLE IF NOT EXISTS stock_change (
    id {pk},
    timezone VARCHAR(64) NOT NULL,
    month VARCHAR(7) NOT NULL,
    workshop INTEGER NOT NULL REFERENCES workshop (id),
    category INTEGER NOT NULL REFERENCES category (id),
    net_g BIGINT NOT NULL,
    UNIQUE (timezone, month, workshop, category)
);
CREATE TABLE IF NOT EXISTS stock_change_mark (
    id {pk},
    timezone VARCHAR(64) NOT NULL UNIQUE,
    last_event BIGINT NOT NULL
);
DROP INDEX IF EXISTS event_stock
"""

PRIMARY_KEY = {"sqlite": "INTEGER PRIMARY KEY AUTOINCREMENT", "postgres": "SERIAL PRIMARY KEY"}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="exchange", description=DESCRIPTION)

    async def create_tables():
        engine = engine_finder()
        sql = TABLES.format(pk=PRIMARY_KEY[engine.engine_type])
        for statement in filter(None, (s.strip() for s in sql.split(";"))):
            await engine.run_ddl(statement)

    manager.add_raw(create_tables)
    return manager
