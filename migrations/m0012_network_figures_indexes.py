"""Indexes for a network's figures (issue 15's bench: 300 lieux, 10,000,000 events; numbers in
docs/benchmarks.md, "Network of lieux (PostgreSQL)"). Written by hand, for both engines; additive.

- event_workshop_occurred_at, event_from_workshop_occurred_at: one lieu's month reads the
  events in or out of its own workshops (a bitmap of both on PostgreSQL), not the whole
  network's month through event_kind_figures (kind first) and a filter.
- stock_change_workshop: one lieu's opening stock reads the kept months of its own workshops,
  not those of every lieu in its time zone (covering: read from the index alone).
- item_status_thickness_workshop_dims: "near me" with a fit reads the pieces of one thickness in
  the workshops of the lieux near (exchange.items.listing.Nearby), from the index alone.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-01T00:12:00:000000"  # m0012: unique among the round's migrations
VERSION = "1.38.0"
DESCRIPTION = "indexes for one lieu's figures among many, and for near me"

INDEXES = """
CREATE INDEX IF NOT EXISTS event_workshop_occurred_at ON event (workshop, occurred_at);
CREATE INDEX IF NOT EXISTS event_from_workshop_occurred_at ON event (from_workshop, occurred_at);
CREATE INDEX IF NOT EXISTS stock_change_workshop ON stock_change (timezone, workshop, month, category, net_g);
CREATE INDEX IF NOT EXISTS item_status_thickness_workshop_dims ON item (status, thickness_mm, workshop, length_mm, width_mm, reserved_until, id)
"""


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="exchange", description=DESCRIPTION)

    async def create_indexes():
        engine = engine_finder()
        for statement in filter(None, (s.strip() for s in INDEXES.split(";"))):
            await engine.run_ddl(statement)

    manager.add_raw(create_indexes)
    return manager
