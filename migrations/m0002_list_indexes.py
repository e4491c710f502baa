"""Indexes for the list and the fit search at the scale of a network of lieux (written by hand,
like m0001, for both engines; additive only).

Each arm of the list query (one status, see exchange.items.listing.list_items) reads one of
these in order without touching the table: the newest of a category with their dimensions
for the available-scrap list, and the pieces of one thickness by length for the fit search.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-26T08:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "covering indexes for the available-scrap list and the fit search"

INDEXES = """
CREATE INDEX IF NOT EXISTS item_status_category_id_dims ON item (status, category, id, length_mm, width_mm, reserved_until);
CREATE INDEX IF NOT EXISTS item_status_thickness_dims ON item (status, thickness_mm, length_mm, width_mm, reserved_until, id)
"""


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="exchange", description=DESCRIPTION)

    async def create_indexes():
        engine = engine_finder()
        for statement in filter(None, (s.strip() for s in INDEXES.split(";"))):
            await engine.run_ddl(statement)

    manager.add_raw(create_indexes)
    return manager
