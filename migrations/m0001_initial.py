"""The first schema, written by hand: Piccolo's auto-migrations do not support SQLite.

Types are spelt as Piccolo declares them (TIMESTAMPTZ, BOOLEAN, JSON...) because its
SQLite engine converts values by declared type. Later migrations only add.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-26T07:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "members, workshops, categories, factors, items, events, blank codes, idempotency keys"

TABLES = """
CREATE TABLE member (
    id {pk},
    email VARCHAR(254) NOT NULL UNIQUE,
    name VARCHAR(120) NOT NULL,
    role VARCHAR(20) NOT NULL,
    password_hash VARCHAR(255) NOT NULL,
    active BOOLEAN NOT NULL DEFAULT {true},
    created_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE auth_token (
    id {pk},
    token_hash VARCHAR(64) NOT NULL UNIQUE,
    member INTEGER NOT NULL REFERENCES member (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE workshop (
    id {pk},
    slug VARCHAR(60) NOT NULL UNIQUE,
    name VARCHAR(120) NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE category (
    id {pk},
    slug VARCHAR(60) NOT NULL UNIQUE,
    name VARCHAR(120) NOT NULL,
    name_fr VARCHAR(120) NOT NULL,
    density_kg_m3 REAL
);
CREATE TABLE factor_set (
    id {pk},
    version VARCHAR(60) NOT NULL UNIQUE,
    note TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE factor (
    id {pk},
    factor_set INTEGER NOT NULL REFERENCES factor_set (id),
    category INTEGER NOT NULL REFERENCES category (id),
    kind VARCHAR(10) NOT NULL,
    value REAL NOT NULL,
    unit VARCHAR(30) NOT NULL,
    source VARCHAR(200) NOT NULL,
    version VARCHAR(60) NOT NULL,
    entry VARCHAR(200) NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    UNIQUE (factor_set, category, kind)
);
CREATE TABLE item (
    id {pk},
    code VARCHAR(9) NOT NULL UNIQUE,
    category INTEGER NOT NULL REFERENCES category (id),
    title VARCHAR(200) NOT NULL,
    length_mm INTEGER,
    width_mm INTEGER,
    thickness_mm INTEGER,
    quantity INTEGER NOT NULL DEFAULT 1,
    mass_g BIGINT,
    mass_source VARCHAR(10),
    condition VARCHAR(40) NOT NULL DEFAULT '',
    origin VARCHAR(200) NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    status VARCHAR(12) NOT NULL,
    workshop INTEGER NOT NULL REFERENCES workshop (id),
    parent INTEGER REFERENCES item (id),
    reserved_by INTEGER REFERENCES member (id),
    reserved_until TIMESTAMPTZ,
    photo VARCHAR(80),
    created_at TIMESTAMPTZ NOT NULL,
    last_event_at TIMESTAMPTZ NOT NULL,
    version INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX item_status_id ON item (status, id);
CREATE INDEX item_status_category_id ON item (status, category, id);
CREATE INDEX item_status_thickness ON item (status, thickness_mm);
CREATE INDEX item_workshop ON item (workshop);
CREATE INDEX item_parent ON item (parent);
CREATE INDEX item_reserved_until ON item (reserved_until);
CREATE TABLE event (
    id {pk},
    item INTEGER NOT NULL REFERENCES item (id),
    kind VARCHAR(10) NOT NULL,
    occurred_at TIMESTAMPTZ NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    member INTEGER REFERENCES member (id),
    workshop INTEGER NOT NULL REFERENCES workshop (id),
    from_workshop INTEGER REFERENCES workshop (id),
    category INTEGER NOT NULL REFERENCES category (id),
    from_category INTEGER REFERENCES category (id),
    mass_g BIGINT,
    mass_before_g BIGINT,
    loss_g BIGINT,
    note TEXT NOT NULL DEFAULT '',
    data {json} NOT NULL DEFAULT '{{}}'
);
CREATE INDEX event_item ON event (item, id);
CREATE INDEX event_occurred_at ON event (occurred_at);
CREATE INDEX event_kind_occurred_at ON event (kind, occurred_at);
CREATE TABLE blank_code (
    id {pk},
    code VARCHAR(9) NOT NULL UNIQUE,
    batch VARCHAR(32) NOT NULL,
    created_by INTEGER REFERENCES member (id),
    created_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE idempotency_key (
    id {pk},
    member INTEGER NOT NULL REFERENCES member (id),
    key VARCHAR(200) NOT NULL,
    request_hash VARCHAR(64) NOT NULL,
    status_code INTEGER NOT NULL,
    response_body TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (member, key)
);
"""

DIALECTS = {
    "sqlite": {"pk": "INTEGER PRIMARY KEY AUTOINCREMENT", "true": "1", "json": "JSON"},
    "postgres": {"pk": "SERIAL PRIMARY KEY", "true": "TRUE", "json": "JSON"},
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="exchange", description=DESCRIPTION)

    async def create_tables():
        engine = engine_finder()
        sql = TABLES.format(**DIALECTS[engine.engine_type])
        for statement in filter(None, (s.strip() for s in sql.split(";"))):
            await engine.run_ddl(statement)

    manager.add_raw(create_tables)
    return manager
