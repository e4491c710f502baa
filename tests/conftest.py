"""Fixtures: each database test runs once per engine (`engine_name` is sqlite or postgres)."""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import settings

# No per-example deadline: on a loaded 2-core machine an example took 335 ms against the
# default 200 ms and was reported as flaky. Speed is measured in `make bench`, not here.
settings.register_profile("exchange", deadline=None)
settings.load_profile("exchange")

# Settings are read once: point them at throwaway places before the package is imported.
# Each process its own: pytest-xdist's workers inherit the environment the controller's import
# of this file set, and two workers sharing one media folder saw each other's photos (a test
# counting the files there failed once in a full run).
_TMP = Path(tempfile.mkdtemp(prefix="exchange-tests-"))
_own = os.environ.__setitem__ if os.environ.get("PYTEST_XDIST_WORKER") else os.environ.setdefault
_own("EXCHANGE_VAR_DIR", str(_TMP / "var"))
_own("EXCHANGE_DATABASE_URL", f"sqlite:///{_TMP}/default.db")
_own("EXCHANGE_MEDIA_DIR", str(_TMP / "media"))
os.environ.setdefault("EXCHANGE_BASE_URL", "https://lieu.example")
os.environ.setdefault("EXCHANGE_LIEU_NAME", "La Fabrique Test")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
from engines import UNDER_CI, create_pg_database, drop_pg_database, postgres_reachable  # noqa: E402

from exchange import db  # noqa: E402
from exchange.app import create_app  # noqa: E402
from exchange.auth.service import Actor, actor_of_member, add_member, issue_token  # noqa: E402
from exchange.ledger.rules import Role  # noqa: E402
from exchange.lieu.lieux import first_lieu_id  # noqa: E402
from exchange.lieu.service import install_shipped_categories  # noqa: E402
from exchange.tables import Workshop  # noqa: E402

ENGINES = ["sqlite", "postgres"]
# Piccolo's own SQLiteEngine, without the fast path (exchange.db.sqlite_fast): the modules
# marked `stock_sqlite_too` (ledger and figures) run on it as well, so their correctness
# never depends on the fast path; the others keep the suite's time down.
STOCK_SQLITE = "sqlite-stock"
_pg_unreachable: str | None = None


def pytest_configure(config):
    global _pg_unreachable
    _pg_unreachable = asyncio.run(postgres_reachable())
    if _pg_unreachable:
        message = f"PostgreSQL is not reachable ({_pg_unreachable}): the database tests run on SQLite alone."
        if UNDER_CI:
            raise pytest.UsageError(f"CI=true but {message}")
        print(f"\n*** {message}\n", file=sys.stderr)


def pytest_generate_tests(metafunc):
    """Every test that uses `lieu` runs once per engine."""
    if "lieu" in metafunc.fixturenames:
        stock = metafunc.definition.get_closest_marker("stock_sqlite_too") is not None
        metafunc.parametrize("lieu", [*ENGINES, STOCK_SQLITE] if stock else ENGINES, indirect=True)


def pytest_report_header(config):
    return "engines: sqlite" + ("" if _pg_unreachable else ", postgres")


@dataclass
class EngineSetup:
    name: str
    engine: object
    url: str
    members: dict[str, Actor] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)


_setups: dict[str, EngineSetup] = {}
PASSWORD = "correct horse battery"


async def _setup(name: str) -> EngineSetup:
    if name in _setups:
        return _setups[name]
    if name in ("sqlite", STOCK_SQLITE):
        url = f"sqlite:///{tempfile.mkdtemp(prefix='exchange-sqlite-')}/test.db"
    else:
        url = await create_pg_database()
    engine = db.engine_from_url(url, sqlite_fast=name != STOCK_SQLITE)
    await db.migrate(engine)
    await db.start(engine)
    setup = EngineSetup(name=name, engine=engine, url=url)
    for role in Role:
        actor_id = await add_member(f"{role}@lieu.example", f"{role.title()} Person", role, PASSWORD)
        setup.members[role] = await actor_of_member(actor_id)
        setup.tokens[role] = await issue_token(setup.members[role])
    other = await add_member("other@lieu.example", "Other Member", Role.member, PASSWORD)
    setup.members["other"] = await actor_of_member(other)
    setup.tokens["other"] = await issue_token(setup.members["other"])
    # a network coordinator, who belongs to no lieu
    network = await add_member("network@lieu.example", "Network Person", Role.member, PASSWORD, network=True)
    setup.members["network"] = await actor_of_member(network)
    setup.tokens["network"] = await issue_token(setup.members["network"])
    _setups[name] = setup
    return setup


@pytest.fixture(scope="session", autouse=True)
async def _close_engines():
    yield
    for setup in _setups.values():
        await db.stop(setup.engine)
        if setup.name == "postgres":
            await drop_pg_database(setup.url)


LEDGER_TABLES = [
    "import_row",
    "import_upload",
    "label_printer",
    "login_attempt",
    "stock_change",
    "flow_change",
    "stock_change_mark",
    "idempotency_key",
    "event",
    "blank_code",
    "item",
    "workshop",
]


async def reset_ledger(setup: EngineSetup) -> None:
    """Empty the ledger between tests; members, categories and factors stay."""
    from piccolo.querystring import QueryString
    from test_figures_support import drop_lieu_factor_sets

    from exchange.items.present import forget_kept
    from exchange.web.item_page import forget_kept_pages

    engine = setup.engine
    db.use_engine(engine)
    forget_kept()  # ids and codes start again: what this process kept of the last test goes
    forget_kept_pages()
    if setup.name == "postgres":
        await engine.run_querystring(QueryString(f"TRUNCATE {', '.join(LEDGER_TABLES)} RESTART IDENTITY CASCADE"))
    else:
        for table in LEDGER_TABLES:
            await engine.run_querystring(QueryString(f"DELETE FROM {table}"))
    # the lieux added by a test go (the first, made by the migration, holds the members)
    await engine.run_querystring(QueryString("DELETE FROM membership WHERE lieu <> (SELECT MIN(id) FROM lieu)"))
    await engine.run_querystring(QueryString("DELETE FROM lieu WHERE id <> (SELECT MIN(id) FROM lieu)"))
    await engine.run_querystring(
        QueryString("UPDATE lieu SET latitude = NULL, longitude = NULL, time_zone = 'Europe/Paris', language = 'fr'")
    )
    await install_shipped_categories()
    # the factor sets a test wrote go: a source it wrote in English showed on the French pages
    # of whichever test came next on the same worker (test_words)
    await drop_lieu_factor_sets()
    first = await first_lieu_id()
    await Workshop.insert(
        Workshop(slug="bois", name="Atelier bois", lieu=first), Workshop(slug="metal", name="Atelier métal", lieu=first)
    )


@pytest.fixture
async def lieu(request) -> EngineSetup:
    """A fresh ledger on one engine: shipped categories, workshops bois and metal, a member of each role."""
    if request.param == "postgres" and _pg_unreachable:
        pytest.skip(f"PostgreSQL not reachable ({_pg_unreachable})")
    setup = await _setup(request.param)
    await reset_ledger(setup)
    return setup


@pytest.fixture
async def client(lieu):
    """An HTTP client on the app, same event loop, same engine."""
    app = create_app(lieu.engine)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://lieu.example") as http:
        yield http


def auth(lieu: EngineSetup, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {lieu.tokens[role]}"}
