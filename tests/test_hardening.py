"""Attacks on a real server: many people at once on several workers, a killed server, backups.
Each test prints what it tried, so the figures can be quoted."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import httpx
import msgspec
from conftest import PASSWORD, auth
from live_server import free_port, live_server
from network_support import new_members

from exchange import db
from exchange.figures.service import month_figures
from exchange.ledger.rules import Action, Role, Status, next_status
from exchange.tables import Event, Item

PLANK = {
    "category": "plywood",
    "title": "Panneau",
    "workshop": "bois",
    "length_mm": 1000,
    "width_mm": 500,
    "thickness_mm": 18,
}


def _replay(events: list[dict], steward_ids: set[int]) -> tuple[Status, int | None]:
    """The item's state from its ledger alone, through the pure rules."""
    status, holder = Status.available, None
    for event in events[1:]:
        role = Role.steward if event["member"] in steward_ids else Role.member
        status = next_status(Action(event["kind"]), status, role=role, actor_id=event["member"], holder_id=holder)
        if event["kind"] == "reserve":
            holder = event["member"]
        elif status is not Status.reserved:
            holder = None
    return status, holder


async def test_fifty_mixed_actions_on_several_workers(lieu):
    members = await new_members(30, "racer")
    steward = auth(lieu, "steward")
    rng = random.Random(50)
    with live_server(lieu.url, workers=3) as base:
        async with httpx.AsyncClient(base_url=base, timeout=60) as http:
            code = (await http.post("/api/v1/items", json=PLANK, headers=steward)).json()["code"]
            requests = []
            for n in range(50):
                kind = rng.choices(["reserve", "use", "move"], [40, 5, 55])[0]
                if kind == "move":
                    requests.append(("move", steward, {"workshop": "metal" if n % 2 else "bois"}))
                else:
                    requests.append((kind, {"Authorization": f"Bearer {members[n % 30][1]}"}, {}))
            answers = await asyncio.gather(
                *[
                    http.post(f"/api/v1/items/{code}/{kind}", json=body, headers=headers)
                    for kind, headers, body in requests
                ]
            )
    statuses = [a.status_code for a in answers]
    assert set(statuses) <= {200, 409, 422}, statuses  # 422: a move to where it already is
    item = await Item.select().where(Item.code == code).first()
    events = await Event.select().where(Event.item == item["id"]).order_by(Event.id)
    won = statuses.count(200)
    print(
        f"\n50 mixed actions on 3 workers ({lieu.name}): {won} won, {statuses.count(409)} x 409, "
        f"{statuses.count(422)} x 422, {len(events)} events"
    )
    # Every answer that said yes wrote exactly one event; every refusal wrote none.
    assert len(events) == 1 + won
    status, holder = _replay(events, {lieu.members["steward"].id})
    assert (status.value, holder) == (item["status"], item["reserved_by"])
    assert [e["kind"] for e in events].count("use") <= 1


async def test_one_idempotency_key_a_hundred_times_at_once(lieu):
    with live_server(lieu.url, workers=3) as base:
        async with httpx.AsyncClient(base_url=base, timeout=60) as http:
            headers = {**auth(lieu, "steward"), "Idempotency-Key": "shaky-wifi-42"}
            answers = await asyncio.gather(
                *[http.post("/api/v1/items", json=PLANK, headers=headers) for _ in range(100)]
            )
    codes = {a.json()["code"] for a in answers}
    print(
        f"\n100 replays of one Idempotency-Key on 3 workers ({lieu.name}): statuses {sorted({a.status_code for a in answers})}, "
        f"{len(codes)} item, {await Event.count()} event"
    )
    assert {a.status_code for a in answers} == {201}
    assert len(codes) == 1 and await Item.count() == 1 and await Event.count() == 1


def _start(database_url: str, port: int) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "exchange.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env={**os.environ, "EXCHANGE_DATABASE_URL": database_url},
    )


def _wait_up(base: str) -> None:
    for _ in range(300):
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


async def test_sigkill_in_a_burst_of_intakes_loses_nothing_answered(lieu):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    answered: list[str] = []
    sent = 0
    server = _start(lieu.url, port)
    try:
        _wait_up(base)

        async def writer(http: httpx.AsyncClient, n: int) -> None:
            nonlocal sent
            for i in range(10_000):
                sent += 1
                try:
                    response = await http.post(
                        "/api/v1/items", json={**PLANK, "title": f"w{n}-{i}"}, headers=auth(lieu, "steward")
                    )
                except httpx.TransportError:
                    return  # the server is gone
                if response.status_code == 201:
                    answered.append(response.json()["code"])

        async def killer() -> None:
            while len(answered) < 60:
                await asyncio.sleep(0.02)
            server.send_signal(signal.SIGKILL)

        async with httpx.AsyncClient(base_url=base, timeout=10) as http:
            await asyncio.gather(killer(), *[writer(http, n) for n in range(8)])
        server.wait(timeout=10)
    finally:
        if server.poll() is None:
            server.kill()
    # Restart on the same database: every answered intake is there with its event, nothing half-written.
    with live_server(lieu.url):
        pass
    items = {row["code"]: row["id"] for row in await Item.select(Item.code, Item.id)}
    intakes = {row["item"] for row in await Event.select(Event.item).where(Event.kind == "intake")}
    print(
        f"\nSIGKILL during {sent} intakes from 8 clients ({lieu.name}): {len(answered)} answered 201, "
        f"{len(items)} items after restart, all with their intake event: {set(items.values()) == intakes}"
    )
    assert set(answered) <= set(items)
    assert set(items.values()) == intakes
    if lieu.name == "sqlite":
        path = lieu.url.removeprefix("sqlite:///")
        with sqlite3.connect(path) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def _cli(database_url: str, *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "exchange.cli", *args],
        check=True,
        capture_output=True,
        timeout=120,
        env={**os.environ, "EXCHANGE_DATABASE_URL": database_url},
    )


async def test_backup_while_writing_then_restore_gives_the_same_figures(lieu, tmp_path):
    month = datetime.now(ZoneInfo("Europe/Paris")).strftime("%Y-%m")
    steward, member = auth(lieu, "steward"), auth(lieu, "member")
    backup_path = str(tmp_path / ("lieu.db" if lieu.name == "sqlite" else "lieu.dump"))

    async def log_and_use(http: httpx.AsyncClient, count: int, tag: str) -> None:
        for n in range(count):
            code = (await http.post("/api/v1/items", json={**PLANK, "title": f"{tag}{n}"}, headers=steward)).json()[
                "code"
            ]
            if n % 3 == 0:
                await http.post(f"/api/v1/items/{code}/use", headers=member)

    async def restore() -> None:
        await db.stop(lieu.engine)  # the restore replaces the tables under any open connection
        await asyncio.to_thread(_cli, lieu.url, "restore", backup_path)
        await db.start(lieu.engine)

    with live_server(lieu.url) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            await log_and_use(http, 20, "before")
            # The backup is taken while intakes go on.
            stop = asyncio.Event()

            async def keep_writing() -> int:
                written = 0
                while not stop.is_set():
                    await http.post("/api/v1/items", json={**PLANK, "title": "during"}, headers=steward)
                    written += 1
                return written

            writing = asyncio.create_task(keep_writing())
            await asyncio.sleep(0.3)
            await asyncio.to_thread(_cli, lieu.url, "backup", backup_path)
            stop.set()
            during = await writing

    # The copy is consistent: every item in it has its first event.
    await restore()
    held = msgspec.to_builtins(await month_figures(month))
    items = {row["id"] for row in await Item.select(Item.id)}
    firsts = {row["item"] for row in await Event.select(Event.item).where(Event.kind.is_in(["intake", "piece"]))}
    assert items == firsts

    # More history, then the backup again: the figures come back to what it held.
    with live_server(lieu.url) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            await log_and_use(http, 6, "after")
    assert msgspec.to_builtins(await month_figures(month))["reused_kg"] != held["reused_kg"]
    await restore()
    again = msgspec.to_builtins(await month_figures(month))
    print(
        f"\nbackup during {during} concurrent intakes ({lieu.name}): {len(items)} items in the copy, "
        f"restored figures equal to the copy's: {again == held}"
    )
    assert again == held


async def test_reservations_past_expiry_end_by_themselves_after_a_restart(lieu):
    from datetime import timedelta

    start = datetime.now(UTC) - timedelta(hours=3)
    steward = auth(lieu, "steward")
    with live_server(lieu.url) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            code = (
                await http.post("/api/v1/items", json={**PLANK, "occurred_at": start.isoformat()}, headers=steward)
            ).json()["code"]
            held = await http.post(
                f"/api/v1/items/{code}/reserve",
                headers=steward,
                json={"hours": 1, "occurred_at": (start + timedelta(minutes=1)).isoformat()},
            )
            assert held.status_code == 200
    # The server was stopped; a new one starts and nobody touches the item.
    item = await Item.select(Item.id).where(Item.code == code).first()
    with live_server(lieu.url):
        for _ in range(100):
            kinds = [
                e["kind"] for e in await Event.select(Event.kind).where(Event.item == item["id"]).order_by(Event.id)
            ]
            if kinds[-1] == "release":
                break
            await asyncio.sleep(0.1)
    print(
        f"\nafter a restart ({lieu.name}): the expired reservation's release was written by the server alone: {kinds}"
    )
    assert kinds == ["intake", "reserve", "release"]
    assert (await Item.select(Item.status).where(Item.id == item["id"]).first())["status"] == "available"


async def test_guesses_sent_at_once_to_two_workers_are_all_counted(lieu):
    """Twenty wrong passwords for one account at the same moment, to a server with two
    workers: five are checked (401), the others refused unchecked (429), and then the right
    password waits too. The count lives in the database, raised before each check."""
    from exchange.auth import throttle

    with live_server(lieu.url, workers=2) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            answers = await asyncio.gather(
                *[
                    http.post("/api/v1/session", json={"email": "member@lieu.example", "password": f"guess {n}"})
                    for n in range(20)
                ]
            )
            right = await http.post("/api/v1/session", json={"email": "member@lieu.example", "password": PASSWORD})
    statuses = sorted(a.status_code for a in answers)
    print(f"\n20 guesses at once on {lieu.name}, 2 workers: {statuses.count(401)} x 401, {statuses.count(429)} x 429")
    assert statuses == [401] * throttle.PER_ACCOUNT + [429] * (20 - throttle.PER_ACCOUNT)
    assert right.status_code == 429
    assert all(a.headers["content-type"].startswith("application/problem+json") for a in answers)


async def test_text_with_the_nul_character_is_refused_and_changes_nothing(client, lieu):
    steward = auth(lieu, "steward")
    plank = {
        "category": "plywood",
        "title": "Chute\u0000",
        "workshop": "bois",
        "length_mm": 500,
        "width_mm": 300,
        "thickness_mm": 18,
    }
    refused = await client.post("/api/v1/items", json=plank, headers=steward)
    assert refused.status_code == 400 and refused.headers["content-type"] == "application/problem+json"
    assert "NUL" in refused.json()["detail"]
    assert (await client.get("/api/v1/items", params={"q": "cp\x00"})).status_code == 400
    coordinator = auth(lieu, "coordinator")
    assert (await client.get("/api/v1/factor-sets/v%00", headers=coordinator)).status_code == 400  # in the path
    assert (
        await client.get("/api/v1/figures", params={"month": "2025-01", "factor_set": "v\x00"}, headers=coordinator)
    ).status_code == 400
    assert await Item.count() == 0 and await Event.count() == 0
    # a backslash and "u0000" are text like any other
    kept = await client.post("/api/v1/items", json={**plank, "title": "C:\\u0000"}, headers=steward)
    assert kept.status_code == 201 and kept.json()["title"] == "C:\\u0000"
    assert await Item.count() == 1 and await Event.count() == 1
