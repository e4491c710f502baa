"""Reads of one turn of the event loop sent as one statement (exchange/db/coalesced.py): the
batching rules on their own, then the item revisions on PostgreSQL (on SQLite the revision is
read on its own, and those cases say so)."""

from __future__ import annotations

import asyncio

import pytest
from conftest import auth

from exchange.db import CoalescedReads, write_transaction
from exchange.items import queries
from exchange.tables import Item


class Store:
    """`many` for CoalescedReads: records each call's keys; may wait, or fail."""

    def __init__(self, rows: dict[str, int]) -> None:
        self.rows = rows
        self.calls: list[list[str]] = []
        self.entered = asyncio.Event()
        self.release: asyncio.Event | None = None
        self.error: Exception | None = None

    async def many(self, keys: list[str]) -> list[dict]:
        self.calls.append(sorted(keys))
        self.entered.set()
        if self.release is not None:
            await self.release.wait()
        if self.error is not None:
            raise self.error
        return [{"key": k, "value": self.rows[k]} for k in keys if k in self.rows]


async def test_the_reads_of_one_turn_are_one_statement():
    store = Store({"a": 1, "b": 2})
    reads = CoalescedReads(store.many, column="key")
    answers = await asyncio.gather(*(reads.one(k) for k in ("a", "b", "a", "zz")))
    assert store.calls == [["a", "b", "zz"]]
    assert [a and a["value"] for a in answers] == [1, 2, 1, None]
    await reads.one("b")  # a later turn: a batch of its own
    assert store.calls == [["a", "b", "zz"], ["b"]]


async def test_a_read_joins_only_a_batch_not_yet_sent():
    store = Store({"a": 1, "b": 2})
    store.release = asyncio.Event()
    reads = CoalescedReads(store.many, column="key")
    first = asyncio.ensure_future(reads.one("a"))
    await store.entered.wait()  # the batch is sent and its answer not back
    second = asyncio.ensure_future(reads.one("b"))
    await asyncio.sleep(0.01)
    store.release.set()
    assert ((await first)["value"], (await second)["value"]) == (1, 2)
    assert store.calls == [["a"], ["b"]]  # "b" was asked after "a"'s statement left: read after it


async def test_a_failed_statement_fails_each_reader_and_the_next_batch_reads_again():
    store = Store({"a": 1})
    store.error = ConnectionError("the database went away")
    reads = CoalescedReads(store.many, column="key")
    answers = await asyncio.gather(reads.one("a"), reads.one("b"), return_exceptions=True)
    assert [type(a) for a in answers] == [ConnectionError, ConnectionError]
    store.error = None
    assert (await reads.one("a"))["value"] == 1


async def test_a_cancelled_reader_leaves_the_others_their_answer():
    store = Store({"a": 1, "b": 2})
    store.release = asyncio.Event()
    reads = CoalescedReads(store.many, column="key")
    gone = asyncio.ensure_future(reads.one("a"))
    stays = asyncio.ensure_future(reads.one("b"))
    await store.entered.wait()
    gone.cancel()
    await asyncio.sleep(0)
    store.release.set()
    assert (await stays)["value"] == 2
    assert gone.cancelled()


PLANK = {"category": "plywood", "title": "Panneau", "workshop": "bois", "length_mm": 800, "width_mm": 400}


async def test_item_revisions_on_postgresql_one_statement_and_a_transaction_its_own(client, lieu, monkeypatch):
    if lieu.name != "postgres":
        pytest.skip("SQLite reads an item's revision on its own (and rarely: the commit mark)")
    codes = [
        (await client.post("/api/v1/items", json=PLANK, headers=auth(lieu, "steward"))).json()["code"] for _ in range(3)
    ]
    sent: list[list[str]] = []
    real = queries.ITEM_REVISIONS.rows

    async def counted(keys):
        sent.append(sorted(keys))
        return await real(keys)

    monkeypatch.setattr(queries, "_REVISIONS", CoalescedReads(counted, column="code"))
    rows = await asyncio.gather(*(queries.item_revision_row(code) for code in codes))
    assert [r["code"] for r in rows] == codes and sent == [sorted(codes)]
    # inside a transaction, the transaction's own write is what the read sees
    async with write_transaction(Item._meta.db):
        await Item.update({Item.version: Item.version + 10}).where(Item.code == codes[0])
        inside = await queries.item_revision_row(codes[0])
        assert inside["version"] == rows[0]["version"] + 10
        await Item.update({Item.version: rows[0]["version"]}).where(Item.code == codes[0])  # as it was
    assert len(sent) == 1  # the transaction's read went on its own connection
