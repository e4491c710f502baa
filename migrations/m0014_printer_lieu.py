"""Each label printer's lieu (m0014): a printer stands in one lieu's workshop, its stewards print
on it and its coordinators configure it (DESIGN.md, "A network of lieux": a lieu's coordinator
administers their own lieu only). Written by hand, additive: a column, and every printer already
there put in the first lieu (an installation of one lieu sees no change)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-01T00:14:00:000000"  # m0014: after m0009 (the lieu table), unique among the round's
VERSION = "1.38.0"
DESCRIPTION = "label_printer.lieu: the lieu whose printer it is"
NEEDS = "m0009_lieux"  # the lieu table

STATEMENTS = (
    "ALTER TABLE label_printer ADD COLUMN lieu INTEGER REFERENCES lieu (id)",
    "UPDATE label_printer SET lieu = (SELECT MIN(id) FROM lieu) WHERE lieu IS NULL",
    "CREATE INDEX IF NOT EXISTS label_printer_lieu ON label_printer (lieu, name)",
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="exchange", description=DESCRIPTION)

    async def add_column():
        engine = engine_finder()
        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    manager.add_raw(add_column)
    return manager
