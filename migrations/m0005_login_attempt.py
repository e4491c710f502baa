"""Attempts at logging in, counted in the database so that every worker counts the same.
Written by hand, for both engines."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-26T11:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "login attempts, per account and per address"

TABLE = """
CREATE TABLE IF NOT EXISTS login_attempt (
    id {pk},
    key VARCHAR(320) NOT NULL UNIQUE,
    count INTEGER NOT NULL,
    window_ends TIMESTAMPTZ NOT NULL
)
"""

PRIMARY_KEY = {"sqlite": "INTEGER PRIMARY KEY AUTOINCREMENT", "postgres": "SERIAL PRIMARY KEY"}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="exchange", description=DESCRIPTION)

    async def create_table():
        engine = engine_finder()
        await engine.run_ddl(TABLE.format(pk=PRIMARY_KEY[engine.engine_type]).strip())

    manager.add_raw(create_table)
    return manager
