"""A factor set records who set it as the member's id; the name is shown to members only (API
and methodology page), and the migration takes the names out of the notes written before. On
both engines."""

from __future__ import annotations

import tempfile

from conftest import auth
from engines import create_pg_database, drop_pg_database
from piccolo.querystring import QueryString
from test_cli import exchange

from exchange import db
from exchange.schema_check import _migrate_to, known_migrations

SETTER = "Coordinator Person"


async def test_a_name_is_shown_to_members_only(client, lieu):
    body = {"kind": "reuse", "value": 0.5, "source": "Our own survey", "note": ""}
    set_ = await client.post("/api/v1/categories/plywood/factors", json=body, headers=auth(lieu, "coordinator"))
    assert set_.status_code in (200, 201), set_.text
    for path in ("/api/v1/factor-sets", "/api/v1/factor-sets/current", "/figures/methodology"):
        anonymous = await client.get(path)
        assert anonymous.status_code == 200 and SETTER not in anonymous.text, path
    listed = (await client.get("/api/v1/factor-sets", headers=auth(lieu, "member"))).json()
    assert [s["set_by"] for s in listed][:2] == [SETTER, None]  # the shipped set has no setter
    assert all(s["set_by"] is None for s in (await client.get("/api/v1/factor-sets")).json())
    current = (await client.get("/api/v1/factor-sets/current", headers=auth(lieu, "member"))).json()
    assert current["set_by"] == SETTER and "Our own survey" in current["note"]
    page = await client.get("/figures/methodology", headers={"Cookie": f"exchange_session={lieu.tokens['member']}"})
    assert f"Défini par {SETTER}" in page.text


async def test_the_migration_takes_names_out_of_older_notes(lieu):
    """A database at the level before m0007, holding a note of the old kind, then migrated."""
    before = [m for m in known_migrations() if m != "2026-12-01T04:07:00:000000"]
    url = f"sqlite:///{tempfile.mkdtemp()}/old.db" if lieu.name == "sqlite" else await create_pg_database()
    engine = db.engine_from_url(url)
    try:
        await _migrate_to(engine, before)
        await engine.run_querystring(
            QueryString(
                "INSERT INTO member (email, name, role, password_hash, active, created_at)"
                " VALUES ('ines@lieu.example', 'Inès Martin', 'coordinator', '!', {}, CURRENT_TIMESTAMP)",
                True,
            )
        )
        old = (
            "plywood reuse factor: 0.5 kg CO2e/kg (was 0.7), source: Survey; set by Inès Martin. "
            "Every other factor as in exchange-defaults-2026.1."
        )
        await engine.run_querystring(
            QueryString(
                "INSERT INTO factor_set (version, note, created_at) VALUES ('v+lieu.1', {}, CURRENT_TIMESTAMP)", old
            )
        )
        if lieu.name == "sqlite":
            await db.stop(engine)
        migrated = exchange(url, "migrate")
        assert migrated.returncode == 0, migrated.stderr
        engine = db.engine_from_url(url)
        db.use_engine(engine)
        (row,) = await engine.run_querystring(
            QueryString(
                "SELECT f.note, m.name FROM factor_set f JOIN member m ON m.id = f.set_by WHERE f.version = 'v+lieu.1'"
            )
        )
        assert row["name"] == "Inès Martin" and "Inès" not in row["note"]
        assert row["note"] == (
            "plywood reuse factor: 0.5 kg CO2e/kg (was 0.7), source: Survey. "
            "Every other factor as in exchange-defaults-2026.1."
        )
    finally:
        if lieu.name == "sqlite":
            await db.stop(engine)
        db.use_engine(lieu.engine)
        if lieu.name == "postgres":
            await drop_pg_database(url)
