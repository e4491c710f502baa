"""`exchange backup` and `exchange restore`: consistent copies while the app runs, and back,
without ever destroying what is there.

Backup writes a temporary file beside PATH (created 0600: it holds password hashes), checks
it, makes it durable and only then renames it over PATH: a failed backup leaves the previous
one whole. It refuses PATH when it is the live database or any file SQLite uses for it.

Restore checks the backup before it writes anything (exchange.schema_check), keeps the current
database as `<db>.before-restore-<timestamp>`, and refuses while a server holds the database
(exchange.serving_lock). SQLite: the checked copy goes into the live file through SQLite's own
backup API, one write transaction under the exclusive lock (never a rename under a server:
its WAL and shared memory belong to the file it opened). PostgreSQL: pg_restore into a fresh
database, check it, then swap the names: the live database is never half-restored.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import sqlite3
import subprocess
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from exchange import schema_check, serving_lock
from exchange.db import SQLITE_BUSY_TIMEOUT_S


class Refused(Exception):
    """Nothing was changed; the message says why (the command prints it and exits non-zero)."""


def sqlite_path(url: str) -> str | None:
    return url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else None


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or os.path.samefile(a, b)
    except OSError:
        return False


def _files_of_database(live: str) -> list[Path]:
    """The database and every file SQLite or the server keeps beside it."""
    base = Path(live)
    return [base, *(Path(f"{live}{suffix}") for suffix in ("-wal", "-shm", "-journal", "-server.lock"))]


def _refuse_live_files(live: str, path: Path, doing: str) -> None:
    for used in _files_of_database(live):
        if _same_file(path, used):
            raise Refused(f"{path} is the live database's own file ({used.name}): {doing} refused, nothing changed.")


def _temp_beside(path: Path, purpose: str) -> Path:
    """An empty 0600 file in the folder of `path` (a rename there stays on one file system)."""
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.{purpose}-", dir=path.parent)
    os.close(fd)
    return Path(name)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _rename_durably(temp: Path, target: Path) -> None:
    _fsync(temp)
    os.replace(temp, target)
    _fsync(target.parent)


def _sqlite_copy(source: sqlite3.Connection, target: Path) -> None:
    with contextlib.closing(sqlite3.connect(target, timeout=SQLITE_BUSY_TIMEOUT_S)) as destination:
        source.backup(destination)
        # The copy is one file, whatever the source's journal: no -wal to carry along.
        destination.execute("PRAGMA journal_mode=DELETE")


def _integrity(path: Path) -> str:
    with contextlib.closing(sqlite3.connect(path)) as connection:
        (result,) = connection.execute("PRAGMA integrity_check").fetchone()
    return result


# --- backup --------------------------------------------------------------------------------


def backup(database_url: str, path: str) -> None:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    live = sqlite_path(database_url)
    if live is not None:
        _refuse_live_files(live, target, "backup")
        if not Path(live).is_file():
            raise Refused(f"no database at {live}: nothing to back up.")
    temp = _temp_beside(target, "partial")
    try:
        if live is not None:
            # SQLite's online backup API: a consistent snapshot even while others write.
            try:
                with contextlib.closing(sqlite3.connect(live, timeout=SQLITE_BUSY_TIMEOUT_S)) as source:
                    _sqlite_copy(source, temp)
                result = _integrity(temp)
            except sqlite3.Error as error:
                raise Refused(f"the database could not be copied ({error}); {path} is unchanged.") from None
            if result != "ok":
                raise Refused(f"the copy fails its integrity check ({result}); {path} is unchanged.")
        else:
            # pg_dump works in one repeatable-read snapshot: consistent while writes go on.
            dumped = subprocess.run(
                [_pg_tool("pg_dump"), "--format=custom", "--file", str(temp), database_url],
                capture_output=True,
                text=True,
            )
            if dumped.returncode != 0:
                raise Refused(f"pg_dump failed: {dumped.stderr.strip()}; {path} is unchanged.")
            listed = subprocess.run([_pg_tool("pg_restore"), "--list", str(temp)], capture_output=True, text=True)
            if listed.returncode != 0:
                raise Refused(f"the dump does not read back: {listed.stderr.strip()}; {path} is unchanged.")
        _rename_durably(temp, target)
    finally:
        temp.unlink(missing_ok=True)


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise Refused(f"{name} is needed for PostgreSQL (Debian: apt-get install postgresql-client)")
    return path


# --- restore -------------------------------------------------------------------------------


def restore(database_url: str, path: str) -> str:
    """Put the backup at `path` in place of the live database; the name the old one is kept under."""
    source = Path(path)
    if not source.is_file():
        raise Refused(f"no backup at {path}")
    live = sqlite_path(database_url)
    try:
        if live is not None:
            return _restore_sqlite(live, source)
        return asyncio.run(_restore_postgres(database_url, source))
    except schema_check.NotExchange as error:
        raise Refused(f"{path} is refused: {error}. The live database is untouched.") from None
    except serving_lock.DatabaseBusy as error:
        raise Refused(str(error)) from None


def _restore_sqlite(live: str, source: Path) -> str:
    _refuse_live_files(live, source, "restore")
    live_path = Path(live)
    live_path.parent.mkdir(parents=True, exist_ok=True)
    with serving_lock.sqlite_exclusive(live):
        candidate = _temp_beside(live_path, "restore-candidate")
        kept_temp = _temp_beside(live_path, "before-restore")
        try:
            # Check a private copy: the file at `path` could change between check and use.
            try:
                uri = f"file:{source.resolve()}?mode=ro"
                with contextlib.closing(sqlite3.connect(uri, uri=True)) as reader:
                    _sqlite_copy(reader, candidate)
            except sqlite3.DatabaseError as error:
                raise schema_check.NotExchange(f"it is not a readable SQLite database ({error})") from None
            asyncio.run(schema_check.check_sqlite(str(candidate)))
            kept = Path(f"{live}.before-restore-{_stamp()}")
            if live_path.is_file():
                with contextlib.closing(sqlite3.connect(live, timeout=SQLITE_BUSY_TIMEOUT_S)) as current:
                    _sqlite_copy(current, kept_temp)
                _rename_durably(kept_temp, kept)
            # Into the live file, as one write transaction: all of it or, on failure, none.
            with (
                contextlib.closing(sqlite3.connect(candidate)) as checked,
                contextlib.closing(sqlite3.connect(live, timeout=SQLITE_BUSY_TIMEOUT_S)) as target,
            ):
                target.execute("PRAGMA journal_mode=WAL")
                checked.backup(target)
            os.chmod(live, 0o600)
            return str(kept) if kept.exists() else ""
        finally:
            candidate.unlink(missing_ok=True)
            kept_temp.unlink(missing_ok=True)


async def _restore_postgres(dsn: str, source: Path) -> str:
    import asyncpg

    listed = subprocess.run([_pg_tool("pg_restore"), "--list", str(source)], capture_output=True, text=True)
    if listed.returncode != 0:
        raise schema_check.NotExchange(f"it is not a pg_dump archive ({listed.stderr.strip()})")
    live_name = schema_check.database_name(dsn)
    admin_dsn = schema_check.with_database(dsn, "postgres")
    stamp = _stamp().lower()
    fresh = f"{live_name}_restore_{stamp}"[:63]
    kept = f"{live_name}_before_restore_{stamp}"[:63]
    current = await asyncpg.connect(dsn)
    try:
        await serving_lock.postgres_exclusive(current)
        admin = await asyncpg.connect(admin_dsn)
        try:
            await admin.execute(f'CREATE DATABASE "{fresh}"')
            swapped = False
            try:
                restored = subprocess.run(
                    [_pg_tool("pg_restore"), "--no-owner", "--exit-on-error", "--single-transaction"]
                    + ["--dbname", schema_check.with_database(dsn, fresh), str(source)],
                    capture_output=True,
                    text=True,
                )
                if restored.returncode != 0:
                    raise schema_check.NotExchange(f"pg_restore failed ({restored.stderr.strip()[:500]})")
                await schema_check.check_postgres(schema_check.with_database(dsn, fresh), admin_dsn)
                await current.close()  # a database is renamed only with nobody connected
                try:
                    await admin.execute(f'ALTER DATABASE "{live_name}" RENAME TO "{kept}"')
                except asyncpg.ObjectInUseError:
                    raise serving_lock.DatabaseBusy(serving_lock.SERVING) from None
                try:
                    await admin.execute(f'ALTER DATABASE "{fresh}" RENAME TO "{live_name}"')
                except BaseException:
                    await admin.execute(f'ALTER DATABASE "{kept}" RENAME TO "{live_name}"')
                    raise
                swapped = True
            finally:
                if not swapped:
                    await admin.execute(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)')
        finally:
            await admin.close()
    finally:
        if not current.is_closed():
            await current.close()
    return kept
