"""The commit mark (exchange/db/wal_index.py, db.commit_mark): on the fast SQLite engine it
changes with every commit of any connection, so what a process keeps under an unchanged mark
(the items' revision rows) is what the database holds; where it cannot tell, it is None and
everything is read again."""

from __future__ import annotations

import gc
import mmap
import sqlite3
import struct
import subprocess
import sys

import pytest
from test_api_items import intake

from exchange import db
from exchange.db.wal_index import WalIndexHeader
from exchange.items import queries
from exchange.tables import Item, Workshop

pytestmark = pytest.mark.stock_sqlite_too  # the stock engine must give no mark (conftest)


def _another_connection(lieu, sql: str, *args) -> None:
    """A commit by a connection of its own, as another worker or `exchange import` makes it."""
    with sqlite3.connect(lieu.engine.path) as connection:
        connection.execute(sql, args)


async def test_the_mark_changes_with_each_commit_of_any_connection_and_only_then(lieu):
    mark = db.commit_mark(lieu.engine)
    if lieu.name != "sqlite":  # PostgreSQL, Piccolo's stock SQLite engine: no mark, every read is made
        assert mark is None
        return
    assert isinstance(mark, bytes)
    await Item.select().limit(1)  # reading commits nothing
    assert db.commit_mark(lieu.engine) == mark

    _another_connection(lieu, "UPDATE workshop SET name = 'Bois' WHERE slug = 'bois'")
    after_other = db.commit_mark(lieu.engine)
    assert after_other not in (None, mark)

    await Workshop.update({Workshop.name: "Atelier bois"}).where(Workshop.slug == "bois")
    after_own = db.commit_mark(lieu.engine)
    assert after_own not in (None, after_other)

    async with db.write_transaction(lieu.engine):
        await Workshop.update({Workshop.name: "Bois"}).where(Workshop.slug == "bois")
        # Its own writes are not committed yet: no mark inside a transaction.
        assert db.commit_mark(lieu.engine) is None
    assert db.commit_mark(lieu.engine) not in (None, after_own)


async def test_an_item_is_read_again_only_after_a_commit_and_a_commit_elsewhere_is_seen(client, lieu, monkeypatch):
    code = (await intake(client, lieu))["code"]
    reads = []
    read_row = queries.item_revision_row

    async def counted(code):
        reads.append(code)
        return await read_row(code)

    monkeypatch.setattr(queries, "item_revision_row", counted)
    for _ in range(3):
        assert (await client.get(f"/api/v1/items/{code}")).json()["photo_url"] is None
        assert (await client.get(f"/i/{code}")).status_code == 200
    # With a mark, the first read serves the five requests after it; without, each reads.
    assert len(reads) == (1 if lieu.name == "sqlite" else 6)

    if lieu.name == "sqlite":
        _another_connection(lieu, "UPDATE item SET photo = 'abcdef0123456789' WHERE code = ?", code)
    else:
        await Item.update({Item.photo: "abcdef0123456789"}).where(Item.code == code)
    item = (await client.get(f"/api/v1/items/{code}")).json()
    assert item["photo_url"] == "https://lieu.example/media/abcdef0123456789.jpg"
    assert "/media/abcdef0123456789" in (await client.get(f"/i/{code}")).text


def _header(*, version=3007000, is_init=1, change=7, second_change=None) -> bytes:
    def copy(change):
        return struct.pack("=IIIBBHIIIIIIII", version, 0, change, is_init, 0, 4096, 3, 2, 1, 2, 3, 4, 5, 6)

    return copy(change) + copy(change if second_change is None else second_change)


@pytest.mark.parametrize(
    ("header", "trusted"),
    [
        (_header(), True),
        (_header(second_change=8), False),  # a commit caught half-way: the copies differ
        (_header(version=3999000), False),  # a layout this code does not know
        (_header(is_init=0), False),  # no connection has built the index yet
    ],
)
def test_a_header_is_trusted_only_whole_and_known(tmp_path, header, trusted):
    shm = tmp_path / "db.sqlite-shm"
    shm.write_bytes(header + bytes(32 * 1024 - len(header)))
    with shm.open("rb") as file:  # not an SQLite database's: this one may be closed
        index = WalIndexHeader(mmap.mmap(file.fileno(), 96, prot=mmap.PROT_READ))
    assert (index.read() == header[:48]) if trusted else index.read() is None


def test_a_database_outside_wal_mode_has_no_header(tmp_path):
    path = tmp_path / "rollback.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE t (x)")
    assert WalIndexHeader.of(str(path)) is None


# Another process's try at SQLite's lock on the WAL index (the "DMS" byte of the unix VFS, 128):
# it fails while a connection of this process holds the index, as it must.
_TRY_LOCK = (
    "import fcntl, os, sys; fd = os.open(sys.argv[1], os.O_RDWR);"
    " fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, 128)"
)


def _index_held(database: str) -> bool:
    return subprocess.run([sys.executable, "-c", _TRY_LOCK, f"{database}-shm"], capture_output=True).returncode != 0


def test_reading_the_header_leaves_sqlites_locks_alone(tmp_path):
    """Closing any descriptor of a file drops this process's POSIX locks on it: had the header's
    file been closed, another worker would have rebuilt the index under this one's connections
    (a bus error at its next commit, seen in tests/test_hardening.py)."""
    database = str(tmp_path / "held.db")
    connection = sqlite3.connect(database, isolation_level=None)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("CREATE TABLE t (x)")
    assert _index_held(database)
    header = WalIndexHeader.of(database)
    assert header is not None and header.read() is not None
    assert WalIndexHeader.of(database) is header  # one map per file and process
    gc.collect()
    assert _index_held(database)
    connection.close()
