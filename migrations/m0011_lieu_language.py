"""Each lieu's language (m0011): what its printed labels speak (the category's French or English
name). Written by hand, additive: a column with a default, French for every lieu already there."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-01T00:11:00:000000"  # m0011: after m0009 (the lieu table), unique among the round's
VERSION = "1.38.0"
DESCRIPTION = "lieu.language: the language of the lieu's labels"
NEEDS = "m0009_lieux"  # the lieu table


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="exchange", description=DESCRIPTION)

    async def add_column():
        await engine_finder().run_ddl("ALTER TABLE lieu ADD COLUMN language VARCHAR(8) NOT NULL DEFAULT 'fr'")

    manager.add_raw(add_column)
    return manager
