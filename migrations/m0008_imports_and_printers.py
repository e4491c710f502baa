"""Imports remember each row they brought in (so the same file twice creates nothing the
second time) and keep an upload between its preview and its confirmation; label printers.
Written by hand, for both engines; additive."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-01T00:08:00:000000"  # m0008: unique among the round's migrations
VERSION = "1.38.0"
DESCRIPTION = "import rows, import uploads, label printers"

TABLES = """
CREATE TABLE IF NOT EXISTS import_row (
    id {pk},
    row_hash VARCHAR(64) NOT NULL UNIQUE,
    batch VARCHAR(32) NOT NULL,
    code VARCHAR(9) NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS import_row_batch ON import_row (batch, id);
CREATE TABLE IF NOT EXISTS import_upload (
    id {pk},
    token VARCHAR(64) NOT NULL UNIQUE,
    member INTEGER NOT NULL REFERENCES member (id) ON DELETE CASCADE,
    filename VARCHAR(200) NOT NULL,
    content TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE IF NOT EXISTS label_printer (
    id {pk},
    name VARCHAR(60) NOT NULL UNIQUE,
    model VARCHAR(20) NOT NULL,
    label VARCHAR(20) NOT NULL,
    uri VARCHAR(300) NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
)
"""

PRIMARY_KEY = {"sqlite": "INTEGER PRIMARY KEY AUTOINCREMENT", "postgres": "SERIAL PRIMARY KEY"}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="exchange", description=DESCRIPTION)

    async def create_tables():
        engine = engine_finder()
        for statement in TABLES.format(pk=PRIMARY_KEY[engine.engine_type]).split(";"):
            await engine.run_ddl(statement.strip())

    manager.add_raw(create_tables)
    return manager
