"""Each month's flows, kept ahead with the stock (see exchange/figures/stock.py): issue 15's
network month read ~400,000 events of its month at 10,000,000 (docs/benchmarks.md, "Network of
lieux (PostgreSQL)"). Written by hand, for both engines; additive.

flow_change holds, per time zone, month, workshop and category, the sums the figures read
(exchange.figures.queries.KEPT), each at the cell it counts in: what came in, and what left a
cell (an adjust's old mass, a move's or a transfer's mass) at its origin, so that from_workshop
and from_category are not in the key (7 times fewer rows: 10,800 against 78,000 for Paris's
November at 10,000,000 events).
No foreign keys: every row comes from events, which hold theirs, and checking them was 70 ms of
the keeper's 400 ms per 50,000 events (30 lieux, 1,000,000 events).

The kept stock is emptied: stock and flows are kept under one mark (stock_change_mark), so that
a month's stock and flows are one snapshot of the ledger; flows kept from here on, under a mark
already past most of the ledger, would miss every event before it. (A mark of the flows' own
would spare the stock's second pass, but every read would then take two marks, and the keeper
two ranges of events.) Emptied, both fill again from
the ledger in the background (the server's keeper, in chunks); meanwhile the figures are right,
summed from the events as on a new installation.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-01T00:13:00:000000"  # m0013: unique among the round's migrations
VERSION = "1.38.0"
DESCRIPTION = "each month's flows, kept ahead with the stock"

FLOWS = (
    "intake_g",
    "piece_g",
    "reused_g",
    "items_reused",
    "recycled_g",
    "discarded_g",
    "split_g",
    "loss_g",
    "adjust_new_g",
    "moved_in_g",
    "transferred_in_g",
    "adjust_out_g",
    "moved_out_g",
    "transferred_out_g",
)

TABLE = """
CREATE TABLE IF NOT EXISTS flow_change (
    id {pk},
    timezone VARCHAR(64) NOT NULL,
    month VARCHAR(7) NOT NULL,
    workshop INTEGER NOT NULL,
    category INTEGER NOT NULL,
    {flows},
    UNIQUE (timezone, month, workshop, category)
);
DELETE FROM stock_change;
DELETE FROM stock_change_mark
"""

PRIMARY_KEY = {"sqlite": "INTEGER PRIMARY KEY AUTOINCREMENT", "postgres": "SERIAL PRIMARY KEY"}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="exchange", description=DESCRIPTION)

    async def create_table():
        engine = engine_finder()
        flows = ",\n    ".join(f"{name} BIGINT NOT NULL" for name in FLOWS)
        sql = TABLE.format(pk=PRIMARY_KEY[engine.engine_type], flows=flows)
        for statement in filter(None, (s.strip() for s in sql.split(";"))):
            await engine.run_ddl(statement)

    manager.add_raw(create_table)
    return manager
