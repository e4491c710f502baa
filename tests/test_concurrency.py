"""Two people at once, against a real server: exactly one wins, nothing counts twice."""

from __future__ import annotations

import asyncio

import asyncpg
import httpx
import pytest
from conftest import auth
from live_server import live_server
from network_support import new_members

from exchange.tables import Event, Item, Workshop

PLANK = {
    "category": "plywood",
    "title": "Panneau",
    "workshop": "bois",
    "length_mm": 1000,
    "width_mm": 500,
    "thickness_mm": 18,
}


async def test_twenty_simultaneous_reserves_one_wins(lieu):
    tokens = [token for _, token in await new_members(20, "racer")]
    with live_server(lieu.url) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            created = await http.post("/api/v1/items", json=PLANK, headers=auth(lieu, "steward"))
            code = created.json()["code"]
            answers = await asyncio.gather(
                *[http.post(f"/api/v1/items/{code}/reserve", headers={"Authorization": f"Bearer {t}"}) for t in tokens]
            )
    statuses = sorted(a.status_code for a in answers)
    print(f"\n20 simultaneous reserves on {lieu.name}: {statuses.count(200)} x 200, {statuses.count(409)} x 409")
    assert statuses == [200] + [409] * 19
    assert all(
        a.headers["content-type"].startswith("application/problem+json") for a in answers if a.status_code == 409
    )
    item = await Item.select(Item.id).where(Item.code == code).first()
    kinds = [e["kind"] for e in await Event.select(Event.kind).where(Event.item == item["id"])]
    assert kinds == ["intake", "reserve"]


async def test_same_idempotency_key_concurrently_writes_once(lieu):
    with live_server(lieu.url) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            headers = {**auth(lieu, "steward"), "Idempotency-Key": "phone-retry-1"}
            answers = await asyncio.gather(
                *[http.post("/api/v1/items", json=PLANK, headers=headers) for _ in range(20)]
            )
    assert {a.status_code for a in answers} == {201}
    assert len({a.json()["code"] for a in answers}) == 1
    assert await Item.count() == 1
    assert await Event.count() == 1


async def test_a_connection_given_back_to_the_pool_keeps_no_transaction_open(lieu):
    """The pool skips asyncpg's RESET ALL on release (a round trip per query, for session state
    the app never sets); a transaction left open is still rolled back when its connection goes back."""
    if lieu.name != "postgres":
        pytest.skip("PostgreSQL's connection pool; SQLite has none")
    pool = lieu.engine.pool
    async with pool.acquire() as connection:
        pid = connection.get_server_pid()
        await connection.execute("BEGIN")
        await connection.execute(
            "INSERT INTO workshop (slug, name, created_at) VALUES ('left-open', 'Left open', now())"
        )
    outside = await asyncpg.connect(lieu.url)
    try:
        state = await outside.fetchval("SELECT state FROM pg_stat_activity WHERE pid = $1", pid)
    finally:
        await outside.close()
    assert state == "idle"  # not "idle in transaction"
    assert not await Workshop.exists().where(Workshop.slug == "left-open")


async def test_a_reserve_locks_its_member_without_holding_up_that_members_events(lieu):
    """A reserve locks the member's row (their reservations counted, two reserves of theirs at
    once queue) in a mode that still lets another transaction write an event of theirs: the
    event's foreign key takes KEY SHARE on the member's row. With FOR UPDATE, a reserve and a
    use by one member on one item deadlocked (each held what the other waited for)."""
    if lieu.name != "postgres":
        pytest.skip("PostgreSQL's row locks; SQLite has one writer at a time")
    from datetime import UTC, datetime

    from exchange.db import write_transaction
    from exchange.items import queries

    member = lieu.members["member"].id
    other = await asyncpg.connect(lieu.url)
    try:
        await other.execute("SET lock_timeout = '500ms'")
        async with write_transaction(lieu.engine):
            await queries.reservations_held(member, datetime.now(UTC))  # the member's row locked
            async with other.transaction():  # an event's foreign key check on that member
                assert await other.fetchval("SELECT id FROM member WHERE id = $1 FOR KEY SHARE", member) == member
            with pytest.raises(asyncpg.LockNotAvailableError):  # a second reserve of theirs waits
                async with other.transaction():
                    await other.fetchval("SELECT id FROM member WHERE id = $1 FOR NO KEY UPDATE", member)
    finally:
        await other.close()
