"""Covering indexes for the monthly figures, and double precision for factors and densities
on PostgreSQL (its REAL is single precision: 0.681 came back as 0.68099999). Written by hand.

- event_kind_figures: a month's flows, read from the index alone on both engines.
- event_stock: the stock as of an instant, grouped by workshop and category in index order.
Both measured by the figures benchmark at 1,000,000 events (docs/benchmarks.md).
event_kind_occurred_at is a prefix of event_kind_figures, so it goes.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-26T09:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "figures indexes; double precision factors and densities"

COMMON = """
CREATE INDEX IF NOT EXISTS event_kind_figures ON event (kind, occurred_at, workshop, from_workshop, category, from_category, mass_g, mass_before_g, loss_g);
CREATE INDEX IF NOT EXISTS event_stock ON event (workshop, category, from_workshop, from_category, occurred_at, kind, mass_g, mass_before_g);
DROP INDEX IF EXISTS event_kind_occurred_at
"""

# Through text, so a value stored as 0.681 in single precision stays 0.681 as written.
POSTGRES = """
ALTER TABLE factor ALTER COLUMN value TYPE DOUBLE PRECISION USING value::text::double precision;
ALTER TABLE category ALTER COLUMN density_kg_m3 TYPE DOUBLE PRECISION USING density_kg_m3::text::double precision
"""


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="exchange", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        sql = COMMON + (";" + POSTGRES if engine.engine_type == "postgres" else "")
        for statement in filter(None, (s.strip() for s in sql.split(";"))):
            await engine.run_ddl(statement)

    manager.add_raw(run)
    return manager
