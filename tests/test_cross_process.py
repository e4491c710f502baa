"""Two servers, two processes on two ports, one database: what one server promises still holds
when a region runs several (one reserve wins, one Idempotency-Key writes once, the login
throttle counts every try). On PostgreSQL, and on one SQLite file served by both processes
(SQLite locks the file across processes; the servers' own lock is shared, see
exchange/serving_lock.py).

One pair of servers per engine serves every test of the module (a server takes about 1 s to
start idle, several under load); the database is emptied between tests as everywhere else."""

from __future__ import annotations

import asyncio
import contextlib

import httpx
import pytest
from conftest import PASSWORD, auth
from live_server import live_server
from network_support import LYON, new_members, other_lieu

from exchange.auth import throttle
from exchange.lieu.lieux import first_lieu_id, lieu_id
from exchange.tables import Event, Item

PLANK = {
    "category": "plywood",
    "title": "Panneau",
    "workshop": "bois",
    "length_mm": 1000,
    "width_mm": 500,
    "thickness_mm": 18,
}


@pytest.fixture(scope="module")
def _running():
    """The servers started so far in this module, by database URL; all stopped at its end."""
    with contextlib.ExitStack() as stack:
        yield stack, {}


@pytest.fixture
def two_servers(lieu, _running) -> tuple[str, str]:
    stack, started = _running
    if lieu.url not in started:
        started[lieu.url] = (stack.enter_context(live_server(lieu.url)), stack.enter_context(live_server(lieu.url)))
    return started[lieu.url]


def _problems(answers: list[httpx.Response]) -> bool:
    return all(a.headers["content-type"].startswith("application/problem+json") and a.json()["detail"] for a in answers)


async def test_twenty_reserves_across_two_servers_one_wins(lieu, two_servers):
    """Members of two lieux reserve one piece at the same moment, half through each server."""
    await other_lieu(LYON, "lyon-bois", roles=())
    racers = await new_members(20, "racer", lieux=[await first_lieu_id(), await lieu_id(LYON.slug)])
    async with httpx.AsyncClient(timeout=60) as http:
        created = await http.post(f"{two_servers[0]}/api/v1/items", json=PLANK, headers=auth(lieu, "steward"))
        code = created.json()["code"]
        answers = await asyncio.gather(
            *[
                http.post(
                    f"{two_servers[n % 2]}/api/v1/items/{code}/reserve", headers={"Authorization": f"Bearer {token}"}
                )
                for n, (_, token) in enumerate(racers)
            ]
        )
    statuses = [a.status_code for a in answers]
    winners = [n for n, status in enumerate(statuses) if 200 <= status < 300]
    print(
        f"\n20 reserves across 2 servers ({lieu.name}): {len(winners)} won (server {winners[0] % 2 if winners else '-'}), "
        f"{statuses.count(409)} x 409"
    )
    assert len(winners) == 1 and statuses.count(409) == 19, statuses
    assert _problems([a for a in answers if a.status_code == 409])
    item = await Item.select(Item.id, Item.status, Item.reserved_by).where(Item.code == code).first()
    assert (item["status"], item["reserved_by"]) == ("reserved", racers[winners[0]][0])
    events = await Event.select(Event.kind, Event.member).where(Event.item == item["id"]).order_by(Event.id)
    assert [(e["kind"], e["member"]) for e in events][1:] == [("reserve", racers[winners[0]][0])]
    assert [e["kind"] for e in events] == ["intake", "reserve"]


async def test_one_idempotency_key_sent_to_both_servers_writes_once(lieu, two_servers):
    """Ten copies of one intake at once, five through each server, then once more through each:
    one item, one event, and every answer the same. Then a transfer to another lieu, its key
    sent to both servers: one transfer."""
    lyon = await other_lieu(LYON, "lyon-bois", roles=())
    steward = auth(lieu, "steward")
    async with httpx.AsyncClient(timeout=60) as http:

        async def send(path: str, body: dict, key: str, copies: int) -> list[httpx.Response]:
            headers = {**steward, "Idempotency-Key": key}
            return await asyncio.gather(
                *[http.post(f"{two_servers[n % 2]}{path}", json=body, headers=headers) for n in range(copies)]
            )

        at_once = await send("/api/v1/items", PLANK, "cross-process-intake", 10)
        again = [
            await http.post(
                f"{base}/api/v1/items", json=PLANK, headers={**steward, "Idempotency-Key": "cross-process-intake"}
            )
            for base in two_servers
        ]
        code = at_once[0].json()["code"]
        transfers = await send(f"/api/v1/items/{code}/transfer", {"workshop": lyon.workshop}, "cross-process-move", 6)
    intakes = at_once + again
    print(
        f"\n1 Idempotency-Key x 12 across 2 servers ({lieu.name}): statuses {sorted({a.status_code for a in intakes})}, "
        f"{await Item.count()} item, {await Event.count()} events after a transfer sent 6 times"
    )
    assert {a.status_code for a in intakes} == {201}
    assert all(a.json() == intakes[0].json() for a in intakes)
    assert {a.status_code for a in transfers} == {200}, [a.text for a in transfers]
    assert all(a.json() == transfers[0].json() for a in transfers)
    assert transfers[0].json()["lieu"] == LYON.slug
    assert await Item.count() == 1
    assert [e["kind"] for e in await Event.select(Event.kind).order_by(Event.id)] == ["intake", "transfer"]


async def test_guesses_spread_over_two_servers_meet_one_limit(lieu, two_servers):
    """Wrong passwords for one account from one address, alternating between the servers: the
    limit falls at the same try as on one server, first one by one, then many at once. The
    right password from the member's own address still works, through either server."""
    guesser = {"X-Forwarded-For": "198.51.100.23"}  # through a proxy on 127.0.0.1, which is trusted
    email = "member@lieu.example"
    async with httpx.AsyncClient(timeout=60) as http:

        async def log_in(n: int, password: str, headers: dict) -> httpx.Response:
            return await http.post(
                f"{two_servers[n % 2]}/api/v1/session", json={"email": email, "password": password}, headers=headers
            )

        one_by_one = [(await log_in(n, f"guess {n}", guesser)).status_code for n in range(throttle.PER_ACCOUNT + 2)]
        right_from_guesser = await log_in(0, PASSWORD, guesser)
        owner = [await log_in(n, PASSWORD, {"X-Forwarded-For": "192.0.2.44"}) for n in range(2)]
        # many at once, from a second guessing address, half through each server
        other_guesser = {"X-Forwarded-For": "198.51.100.24"}
        at_once = await asyncio.gather(*[log_in(n, f"guess {n}", other_guesser) for n in range(12)])
    at_once_statuses = sorted(a.status_code for a in at_once)
    print(
        f"\nGuesses across 2 servers ({lieu.name}): one by one {one_by_one}; "
        f"12 at once {at_once_statuses.count(401)} x 401, {at_once_statuses.count(429)} x 429"
    )
    limit = throttle.PER_ACCOUNT
    assert one_by_one == [401] * limit + [429] * 2
    assert right_from_guesser.status_code == 429
    assert [a.status_code for a in owner] == [200, 200]
    assert at_once_statuses == [401] * limit + [429] * (12 - limit)
    assert _problems([*at_once, right_from_guesser])
