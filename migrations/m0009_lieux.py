"""A network of lieux (DESIGN.md, "A network of lieux"). Written by hand, for both engines.

Adds the lieux, each workshop's lieu, the members' roles per lieu and the network
coordinator's flag. An existing installation becomes its first lieu: named by
EXCHANGE_LIEU_NAME, in EXCHANGE_TIMEZONE, its slug made from the name; every workshop is
put in it and every member keeps their role there. Nothing else changes (the ledger,
items and events are untouched, so every figure is the same before and after)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-01T00:09:00:000000"  # m0009: unique among the round's migrations
VERSION = "1.38.0"
DESCRIPTION = "lieux, workshops in a lieu, roles per lieu, network coordinators"

TABLES = """
CREATE TABLE IF NOT EXISTS lieu (
    id {pk},
    slug VARCHAR(60) NOT NULL UNIQUE,
    name VARCHAR(120) NOT NULL,
    city VARCHAR(120) NOT NULL DEFAULT '',
    latitude {double},
    longitude {double},
    time_zone VARCHAR(64) NOT NULL,
    shares_with_network BOOLEAN NOT NULL DEFAULT {true},
    created_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE IF NOT EXISTS membership (
    id {pk},
    member INTEGER NOT NULL REFERENCES member (id) ON DELETE CASCADE,
    lieu INTEGER NOT NULL REFERENCES lieu (id) ON DELETE CASCADE,
    role VARCHAR(20) NOT NULL,
    UNIQUE (member, lieu)
);
CREATE INDEX IF NOT EXISTS membership_lieu ON membership (lieu, member);
ALTER TABLE workshop ADD COLUMN lieu INTEGER REFERENCES lieu (id);
CREATE INDEX IF NOT EXISTS workshop_lieu ON workshop (lieu, id);
ALTER TABLE member ADD COLUMN network_coordinator BOOLEAN NOT NULL DEFAULT {false}
"""

DIALECTS = {
    "sqlite": {"pk": "INTEGER PRIMARY KEY AUTOINCREMENT", "true": "1", "false": "0", "double": "DOUBLE PRECISION"},
    "postgres": {"pk": "SERIAL PRIMARY KEY", "true": "TRUE", "false": "FALSE", "double": "DOUBLE PRECISION"},
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="exchange", description=DESCRIPTION)

    async def create_tables():
        engine = engine_finder()
        sql = TABLES.format(**DIALECTS[engine.engine_type])
        for statement in filter(None, (s.strip() for s in sql.split(";"))):
            await engine.run_ddl(statement)
        await first_lieu(engine)

    manager.add_raw(create_tables)
    return manager


async def first_lieu(engine) -> None:
    """The installation's data becomes its first lieu (once: a lieu already there is kept)."""
    from datetime import UTC, datetime

    from piccolo.querystring import QueryString

    from exchange.lieu.lieux import slug_from_name
    from exchange.settings import get_settings

    async def run(sql: str, *values):
        return await engine.run_querystring(QueryString(sql, *values))

    if await run("SELECT id FROM lieu LIMIT 1"):
        return
    settings = get_settings()
    await run(
        "INSERT INTO lieu (slug, name, city, time_zone, shares_with_network, created_at) VALUES ({}, {}, '', {}, {}, {})",
        slug_from_name(settings.lieu_name),
        settings.lieu_name,
        settings.timezone,
        True,
        datetime.now(UTC),
    )
    (lieu,) = await run("SELECT id FROM lieu")
    await run("UPDATE workshop SET lieu = {} WHERE lieu IS NULL", lieu["id"])
    await run("INSERT INTO membership (member, lieu, role) SELECT id, {}, role FROM member", lieu["id"])
