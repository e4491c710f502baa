"""The items' folded title and note (exchange.items.search), for a search that ignores accents
and case on both engines. Written by hand; additive: a new nullable column, filled here for the
items already logged (an item whose column is still empty is matched on its lower-cased title
and note, so nothing is lost meanwhile)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-01T04:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "item.search: folded title and note for the search"

BATCH = 500


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="exchange", description=DESCRIPTION)

    async def add_and_fill():
        from exchange.items.search import search_text

        engine = engine_finder()
        await engine.run_ddl("ALTER TABLE item ADD COLUMN search TEXT")
        last = 0
        while True:
            rows = await engine.run_querystring(
                _query(f"SELECT id, title, note FROM item WHERE id > {{}} ORDER BY id LIMIT {BATCH}", last)
            )
            if not rows:
                break
            # One statement per batch (a CASE on the id): a few seconds for 100,000 items.
            cases = " ".join("WHEN {} THEN {}" for _ in rows)
            values = [v for row in rows for v in (row["id"], search_text(row["title"], row["note"]))]
            ids = ", ".join("{}" for _ in rows)
            await engine.run_querystring(
                _query(
                    f"UPDATE item SET search = CASE id {cases} END WHERE id IN ({ids})",
                    *values,
                    *(r["id"] for r in rows),
                )
            )
            last = rows[-1]["id"]

    manager.add_raw(add_and_fill)
    return manager


def _query(template: str, *values):
    from piccolo.querystring import QueryString

    return QueryString(template, *values)
