"""`exchange backup` and `exchange restore` as an operator runs them, on both engines, each on a
database of its own (restore swaps a PostgreSQL database, which needs nobody connected to it):
the live file refused, a failed backup leaving the previous one whole, damaged, foreign and
trapped backups refused with the live database untouched, and no restore under a server
(tests/live_server.py). One database template per engine, made by the command itself."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import stat
import subprocess
from pathlib import Path

import asyncpg
import httpx
import pytest
from engines import PG_ADMIN_DSN, create_pg_database, drop_pg_database
from live_server import live_server
from test_cli import exchange

from exchange.schema_check import database_name

_templates: dict[str, str] = {}


async def _template(engine: str, folder: Path) -> str:
    """Built once per engine with the command itself: migrated, one member."""
    if engine not in _templates:
        url = f"sqlite:///{folder}/template.db" if engine == "sqlite" else await create_pg_database()
        added = exchange(
            url, "user", "add", "ada@lieu.example", "--name", "Ada", "--role", "coordinator", stdin="x" * 12
        )
        assert added.returncode == 0, added.stderr
        _templates[engine] = url
    return _templates[engine]


@pytest.fixture
async def own_url(lieu, tmp_path, tmp_path_factory):
    """A migrated database of its own with one member, on the engine of `lieu`."""
    template = await _template(lieu.name, tmp_path_factory.mktemp("template"))
    if lieu.name == "sqlite":
        url = f"sqlite:///{tmp_path}/live.db"
        shutil.copyfile(template.removeprefix("sqlite:///"), tmp_path / "live.db")
        os.chmod(tmp_path / "live.db", 0o600)
        yield url
        return
    url = await create_pg_database()
    admin = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await admin.execute(f'DROP DATABASE "{database_name(url)}"')
        await admin.execute(f'CREATE DATABASE "{database_name(url)}" TEMPLATE "{database_name(template)}"')
    finally:
        await admin.close()
    yield url
    admin = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        names = await admin.fetch("SELECT datname FROM pg_database WHERE datname LIKE $1", database_name(url) + "%")
    finally:
        await admin.close()
    for row in names:
        await drop_pg_database(url.rpartition("/")[0] + "/" + row["datname"])


@pytest.fixture(scope="session", autouse=True)
async def _drop_templates():
    yield
    for url in _templates.values():
        if url.startswith("postgresql"):
            await drop_pg_database(url)


async def members(url: str) -> list[str]:
    """The e-mails in the database, read straight from the engine."""
    if url.startswith("sqlite:///"):
        with contextlib.closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as connection:
            return sorted(r[0] for r in connection.execute("SELECT email FROM member"))
    connection = await asyncpg.connect(url)
    try:
        return sorted(r["email"] for r in await connection.fetch("SELECT email FROM member"))
    finally:
        await connection.close()


async def add_member(url: str, email: str) -> None:
    insert = "INSERT INTO member (email, name, role, password_hash, active, created_at) VALUES "
    if url.startswith("sqlite:///"):
        with contextlib.closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as connection:
            connection.execute(insert + "(?, 'Someone', 'member', '!', 1, '2026-12-01 00:00:00')", (email,))
            connection.commit()
        return
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(insert + "($1, 'Someone', 'member', '!', true, now())", email)
    finally:
        await connection.close()


def refused(result: subprocess.CompletedProcess, *words: str) -> None:
    assert result.returncode != 0, result.stdout
    assert "refused" in result.stderr.lower(), result.stderr
    for word in words:
        assert word in result.stderr, result.stderr


async def test_backup_never_destroys(own_url, tmp_path):
    backups = tmp_path / "backups"
    first = exchange(own_url, "backup", str(backups / "lieu.backup"))
    assert first.returncode == 0, first.stderr
    kept = (backups / "lieu.backup").read_bytes()
    assert stat.S_IMODE((backups / "lieu.backup").stat().st_mode) == 0o600
    if own_url.startswith("sqlite:///"):
        live = Path(own_url.removeprefix("sqlite:///"))
        assert stat.S_IMODE(live.stat().st_mode) == 0o600
        before = live.read_bytes()
        # The live file, by its name, another name of it (a hard link), and SQLite's own files.
        os.link(live, tmp_path / "alias.db")
        for target in (live, tmp_path / "alias.db", Path(f"{live}-wal"), Path(f"{live}-shm")):
            refused(exchange(own_url, "backup", str(target)), "live database")
        assert live.read_bytes() == before and await members(own_url) == ["ada@lieu.example"]
        broken = tmp_path / "not-a-database.db"
        broken.write_bytes(b"this is not SQLite " * 300)
        failing_url = f"sqlite:///{broken}"
    else:
        failing_url = own_url.rpartition("/")[0] + "/no_such_database_here"
    # A backup that fails leaves the previous one whole, and no partial file behind.
    refused(exchange(failing_url, "backup", str(backups / "lieu.backup")), "unchanged")
    assert (backups / "lieu.backup").read_bytes() == kept
    assert sorted(p.name for p in backups.iterdir()) == ["lieu.backup"]


async def test_restore_checks_before_it_writes(own_url, tmp_path):
    sqlite = own_url.startswith("sqlite:///")
    good = tmp_path / "good.backup"
    assert exchange(own_url, "backup", str(good)).returncode == 0
    await add_member(own_url, "later@lieu.example")
    expected_now = ["ada@lieu.example", "later@lieu.example"]

    # A backup carrying a trigger that would rewrite the ledger ever after.
    trapped = tmp_path / "trapped.backup"
    trap = "CREATE TRIGGER keep_quiet BEFORE INSERT ON event FOR EACH ROW"
    if sqlite:
        live = own_url.removeprefix("sqlite:///")
        with contextlib.closing(sqlite3.connect(tmp_path / "trap.db")) as copy:
            with contextlib.closing(sqlite3.connect(live)) as source:
                source.backup(copy)
            copy.execute(f"{trap} BEGIN SELECT 1; END")
            copy.commit()
        trapped = tmp_path / "trap.db"
    else:
        connection = await asyncpg.connect(own_url)
        try:
            await connection.execute(
                "CREATE FUNCTION quiet() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END'"
            )
            await connection.execute(f"{trap} EXECUTE FUNCTION quiet()")
            assert exchange(own_url, "backup", str(trapped)).returncode == 0
            await connection.execute("DROP TRIGGER keep_quiet ON event; DROP FUNCTION quiet()")
        finally:
            await connection.close()
    refused(exchange(own_url, "restore", str(trapped)), "trigger", "untouched")

    # A file of another application, and a damaged copy of a good backup.
    foreign = tmp_path / "foreign.backup"
    damaged = tmp_path / "damaged.backup"
    data = bytearray(good.read_bytes())
    if sqlite:
        with contextlib.closing(sqlite3.connect(foreign)) as other:
            other.execute("CREATE TABLE notes (body TEXT)")
            other.commit()
        with contextlib.closing(sqlite3.connect(good)) as reading:
            (root,) = reading.execute("SELECT rootpage FROM sqlite_master WHERE name = 'member'").fetchone()
            (size,) = reading.execute("PRAGMA page_size").fetchone()
        start = (root - 1) * size + 8  # the member table's cells: the tree no longer holds
        data[start : start + size - 8] = b"A" * (size - 8)
    else:
        other = await create_pg_database()
        try:
            connection = await asyncpg.connect(other)
            await connection.execute("CREATE TABLE notes (body TEXT)")
            await connection.close()
            subprocess.run(["pg_dump", "--format=custom", "--file", str(foreign), other], check=True)
        finally:
            await drop_pg_database(other)
        data[len(data) // 2 :] = b"A" * (len(data) - len(data) // 2)
    damaged.write_bytes(bytes(data))
    refused(exchange(own_url, "restore", str(foreign)), "not an Exchange database")
    refused(exchange(own_url, "restore", str(damaged)), "untouched")
    if sqlite:
        refused(exchange(own_url, "restore", own_url.removeprefix("sqlite:///")), "live database")
    assert await members(own_url) == expected_now

    # Not under a running server (its connections, and SQLite's WAL, belong to the live database).
    with live_server(own_url) as base:
        refused(exchange(own_url, "restore", str(good)), "server")
        assert httpx.get(f"{base}/healthz").status_code == 200  # still serving
    assert await members(own_url) == expected_now

    # The good one: back as it was, the database before it kept aside.
    restored = exchange(own_url, "restore", str(good))
    assert restored.returncode == 0, restored.stderr
    assert await members(own_url) == ["ada@lieu.example"]
    kept = restored.stdout.split("kept as ")[1].rstrip(".\n")
    kept_url = f"sqlite:///{kept}" if sqlite else own_url.rpartition("/")[0] + "/" + kept
    assert "before" in kept and await members(kept_url) == expected_now
    if sqlite:
        assert stat.S_IMODE(Path(live).stat().st_mode) == 0o600
        with contextlib.closing(sqlite3.connect(live)) as check:
            assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
