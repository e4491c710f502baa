"""Is this database Exchange's, at a migration level this version knows, and nothing else?

What restore checks a backup against: the objects the backup's own migrations build on a fresh
database (so an older backup is recognised as such), compared
one by one. Anything more (a trigger on `event` that rewrites the ledger, a view, a table, a
function, a rule) or anything different is refused.
"""

from __future__ import annotations

import contextlib
import sqlite3
import sys
import tempfile
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from exchange import db

Objects = set[tuple[str, ...]]


class NotExchange(Exception):
    """The candidate is not a database this version of Exchange can take in; says why."""


def known_migrations() -> list[str]:
    from piccolo.apps.migrations.commands.base import BaseMigrationManager

    from exchange.piccolo_app import APP_CONFIG

    modules = BaseMigrationManager().get_migration_modules(APP_CONFIG.migrations_folder_path)
    return sorted(modules)


def migration_level(applied: list[str]) -> list[str]:
    """The migrations `applied`, in order, when this version knows every one of them."""
    known = known_migrations()
    if not applied:
        raise NotExchange("it holds no Exchange migration: it is not an Exchange database")
    unknown = sorted(set(applied) - set(known))
    if unknown:
        raise NotExchange(f"it was written by a newer or another version (unknown migrations: {', '.join(unknown)})")
    return sorted(applied)


async def _migrate_to(engine, applied: list[str]) -> None:
    """Exactly the migrations `applied`, in order, as `exchange migrate` ran them (a backup made
    before a migration with an earlier ID was added has it missing: that is still Exchange's)."""
    from piccolo.apps.migrations.auto.migration_manager import MigrationManager
    from piccolo.apps.migrations.commands.base import BaseMigrationManager
    from piccolo.apps.migrations.tables import Migration

    from exchange.piccolo_app import APP_CONFIG

    db.use_engine(engine)
    manager = BaseMigrationManager()
    with contextlib.redirect_stdout(sys.stderr):
        await manager.create_migration_table()
        modules = manager.get_migration_modules(APP_CONFIG.migrations_folder_path)
        for migration_id in applied:
            response = await modules[migration_id].forwards()
            if isinstance(response, MigrationManager):
                await response.run()
            await Migration.insert(Migration(name=migration_id, app_name="exchange"))


def _compare(candidate: Objects, reference: Objects) -> None:
    extra = sorted(candidate - reference)
    missing = sorted(reference - candidate)
    if extra or missing:
        parts = []
        if extra:
            parts.append("objects Exchange did not create: " + "; ".join(" ".join(o[:2]) for o in extra[:5]))
        if missing:
            parts.append("missing or different: " + "; ".join(" ".join(o[:2]) for o in missing[:5]))
        raise NotExchange("its schema is not Exchange's (" + " — ".join(parts) + ")")


# --- SQLite --------------------------------------------------------------------------------


def sqlite_objects(connection: sqlite3.Connection) -> Objects:
    rows = connection.execute("SELECT type, name, tbl_name, COALESCE(sql, '') FROM sqlite_master").fetchall()
    return {tuple(str(v) for v in row) for row in rows}


def sqlite_applied(connection: sqlite3.Connection) -> list[str]:
    try:
        rows = connection.execute("SELECT name FROM migration WHERE app_name = 'exchange'").fetchall()
    except sqlite3.DatabaseError:
        raise NotExchange("it has no migration table: it is not an Exchange database") from None
    return [row[0] for row in rows]


async def sqlite_reference(level: list[str]) -> Objects:
    with tempfile.TemporaryDirectory(prefix="exchange-reference-") as folder:
        path = str(Path(folder) / "reference.db")
        engine = db.engine_from_url(f"sqlite:///{path}")
        try:
            await _migrate_to(engine, level)
        finally:
            await db.stop(engine)
        with contextlib.closing(sqlite3.connect(path)) as connection:
            return sqlite_objects(connection)


async def check_sqlite(path: str) -> list[str]:
    """The candidate's migration level; NotExchange when it is not Exchange's database, whole."""
    with contextlib.closing(sqlite3.connect(path)) as connection:
        try:
            (result,) = connection.execute("PRAGMA integrity_check").fetchone()
        except sqlite3.DatabaseError as error:
            raise NotExchange(f"it is not a readable SQLite database ({error})") from None
        if result != "ok":
            raise NotExchange(f"it fails SQLite's integrity check ({result})")
        level = migration_level(sqlite_applied(connection))
        candidate = sqlite_objects(connection)
    _compare(candidate, await sqlite_reference(level))
    return level


# --- PostgreSQL ----------------------------------------------------------------------------

_PG_DESCRIBE = {
    "schema": "SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'",
    "relation": "SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = 'public'",
    "column": (
        "SELECT table_name, column_name, data_type, is_nullable, COALESCE(column_default, '')"
        " FROM information_schema.columns WHERE table_schema = 'public'"
    ),
    "index": "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'",
    "constraint": (
        "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c"
        " JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = 'public'"
    ),
    "trigger": "SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE NOT tgisinternal",
    "event trigger": "SELECT evtname FROM pg_event_trigger",
    "rule": "SELECT tablename, rulename FROM pg_rules WHERE schemaname = 'public'",
    "function": (
        "SELECT p.proname, pg_get_function_identity_arguments(p.oid) FROM pg_proc p"
        " JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'"
    ),
    "sequence": "SELECT sequence_name, data_type FROM information_schema.sequences WHERE sequence_schema = 'public'",
}


def with_database(dsn: str, name: str) -> str:
    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(path=f"/{name}"))


def database_name(dsn: str) -> str:
    return urlsplit(dsn).path.lstrip("/")


async def pg_objects(connection) -> Objects:
    objects: Objects = set()
    for kind, sql in _PG_DESCRIBE.items():
        for row in await connection.fetch(sql):
            objects.add((kind, *(str(v) for v in row)))
    return objects


async def pg_applied(connection) -> list[str]:
    exists = await connection.fetchval("SELECT to_regclass('public.migration') IS NOT NULL")
    if not exists:
        raise NotExchange("it has no migration table: it is not an Exchange database")
    return [r["name"] for r in await connection.fetch("SELECT name FROM migration WHERE app_name = 'exchange'")]


async def pg_reference(admin_dsn: str, level: list[str]) -> Objects:
    import asyncpg
    from piccolo.engine.postgres import PostgresEngine

    name = f"exchange_reference_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(admin_dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            dsn = with_database(admin_dsn, name)
            await _migrate_to(PostgresEngine(config={"dsn": dsn}), level)
            connection = await asyncpg.connect(dsn)
            try:
                return await pg_objects(connection)
            finally:
                await connection.close()
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def check_postgres(dsn: str, admin_dsn: str) -> list[str]:
    """The migration level of the database at `dsn`; NotExchange when it is not Exchange's."""
    import asyncpg

    connection = await asyncpg.connect(dsn)
    try:
        level = migration_level(await pg_applied(connection))
        candidate = await pg_objects(connection)
    finally:
        await connection.close()
    _compare(candidate, await pg_reference(admin_dsn, level))
    return level
