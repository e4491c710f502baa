"""The list people search (both engines): accents, case and material names ignored in the
search, a total count with numbered pages, and the m0010 upgrade of a database that already
holds items."""

from __future__ import annotations

import unicodedata

from conftest import auth, reset_ledger
from engines import create_pg_database, drop_pg_database
from hypothesis import given
from hypothesis import strategies as st
from piccolo.querystring import QueryString

from exchange import db
from exchange.items import listing, present
from exchange.items.search import fold, search_text, words_of
from exchange.lieu.service import install_shipped_categories
from exchange.tables import Workshop

M0010 = "2026-12-01T04:00:00:000000"


async def logged(client, lieu, **body) -> str:
    item = {"workshop": "bois", "category": "hardwood", "title": "Chute", **body}
    answer = await client.post("/api/v1/items", json=item, headers=auth(lieu, "steward"))
    assert answer.status_code == 201, answer.text
    return answer.json()["code"]


async def found(client, q: str) -> set[str]:
    answer = await client.get("/api/v1/items", params={"q": q, "limit": 200})
    assert answer.status_code == 200, answer.text
    return {item["code"] for item in answer.json()["items"]}


def test_fold_drops_accents_case_and_ligatures():
    assert fold("Contreplaqué CHÊNE Œuvre") == "contreplaque chene oeuvre"
    assert words_of("  Chêne   massif ") == ["chene", "massif"]


@given(st.text(max_size=40))
def test_fold_is_stable_and_lower(text):
    folded = fold(text)
    assert fold(folded) == folded
    assert not any(unicodedata.combining(c) for c in folded)
    ascii_only = "".join(c for c in text if c.isascii())
    assert fold(ascii_only) == ascii_only.lower() == fold(ascii_only.upper()).lower()


async def test_search_ignores_accents_and_case_and_matches_material_names(client, lieu):
    oak = await logged(client, lieu, title="Chêne massif", note="Plateau d'établi")
    ply = await logged(client, lieu, category="plywood", title="Panneau 18", length_mm=600, width_mm=400)
    steel = await logged(client, lieu, category="steel", workshop="metal", title="Cornière", mass_kg=3)
    assert await found(client, "chene") == {oak}
    assert await found(client, "CHÊNE") == {oak}
    assert await found(client, "etabli") == {oak}  # the note, folded too
    assert await found(client, "contreplaque") == {ply}  # plywood's French name
    assert await found(client, "Plywood") == {ply}
    assert await found(client, "acier corniere") == {steel}  # every word somewhere
    assert await found(client, "acier chene") == set()
    assert await found(client, steel[:4].lower()) >= {steel}  # the code still matches
    assert await found(client, "100%_") == set()  # LIKE's wildcards are plain characters


async def test_adjusted_title_and_split_pieces_are_found_by_their_words(client, lieu):
    code = await logged(client, lieu, title="Frêne", length_mm=1000, width_mm=500, thickness_mm=20)
    headers = auth(lieu, "steward")
    answer = await client.post(
        f"/api/v1/items/{code}/adjust", json={"title": "Hêtre étuvé", "note": "mal lu"}, headers=headers
    )
    assert answer.status_code == 200, answer.text
    assert await found(client, "hetre etuve") == {code} and await found(client, "frene") == set()
    pieces = [
        {"length_mm": 400, "width_mm": 500, "thickness_mm": 20},
        {"length_mm": 500, "width_mm": 500, "thickness_mm": 20},
    ]
    answer = await client.post(f"/api/v1/items/{code}/split", json={"pieces": pieces}, headers=headers)
    assert answer.status_code == 201, answer.text
    assert await found(client, "HETRE") == {p["code"] for p in answer.json()["pieces"]}


async def test_count_and_numbered_pages_agree_with_the_list(client, lieu):
    codes = [await logged(client, lieu, title=f"Tasseau {n}") for n in range(7)]
    await logged(client, lieu, title="Autre chose")
    filters = listing.ItemFilters(q="tasseau", limit=3)
    assert await listing.count_items(filters) == 7
    pages = []
    for offset in (0, 3, 6):
        page = await listing.list_items(listing.ItemFilters(q="tasseau", limit=3, offset=offset), None)
        pages += [item.code for item in page.items]
    assert pages == list(reversed(codes))  # newest first, no repeat, none left out
    reserved = await client.post(f"/api/v1/items/{codes[0]}/reserve", json={}, headers=auth(lieu, "member"))
    assert reserved.status_code == 200
    assert await listing.count_items(filters) == 6  # the list's status: available
    assert await listing.count_items(listing.ItemFilters(q="tasseau", status="any")) == 7


async def test_upgrade_fills_the_search_of_items_already_logged(lieu):
    """A database at m0009 that holds items: m0010 adds the column and fills it."""
    if lieu.name == "sqlite":
        url = f"sqlite:///{lieu.url.removeprefix('sqlite:///').rpartition('/')[0]}/upgrade.db"
    else:
        url = await create_pg_database()
    engine = db.engine_from_url(url)
    try:
        await db.migrate(engine)
        await db.start(engine)
        run = engine.run_querystring
        await install_shipped_categories()
        await run(QueryString("ALTER TABLE item DROP COLUMN search"))
        await run(QueryString("DELETE FROM migration WHERE name = {}", M0010))
        await Workshop.insert(Workshop(slug="bois", name="Atelier bois"))
        for n, title in enumerate(["Chêne huilé", "Érable"]):
            await run(
                QueryString(
                    "INSERT INTO item (code, category, title, quantity, condition, origin, note, status, workshop,"
                    " created_at, last_event_at, version) SELECT {}, category.id, {}, 1, '', '', 'Établi', 'available',"
                    " workshop.id, {}, {}, 0 FROM category, workshop WHERE category.slug = 'hardwood'",
                    f"AAAA-000{n}",
                    title,
                    present.now_utc(),
                    present.now_utc(),
                )
            )
        await db.migrate(engine)
        rows = await run(QueryString("SELECT title, search FROM item ORDER BY code"))
        assert [r["search"] for r in rows] == [search_text("Chêne huilé", "Établi"), search_text("Érable", "Établi")]
        assert rows[0]["search"] == "chene huile etabli"
    finally:
        await db.stop(engine)
        if lieu.name == "postgres":
            await drop_pg_database(url)
        db.use_engine(lieu.engine)
        await reset_ledger(lieu)


async def test_a_search_word_is_found_where_a_word_begins(client, lieu):
    thick = await logged(client, lieu, category="plywood", title="CP 2000")
    await logged(client, lieu, category="plywood", title="CP 1200")
    bench = await logged(client, lieu, title="Plateau", note="Pour l'établi")
    assert await found(client, "cp 20") == {thick}
    assert await found(client, "etab") == {bench}
    assert await found(client, "tabli") == set()


async def test_a_code_is_found_by_either_half_never_by_a_fragment(client, lieu):
    code = await logged(client, lieu, title="Chute")
    first, second = code.split("-")
    assert await found(client, first.lower()) == {code}
    assert await found(client, second) == {code}
    assert await found(client, code) == {code}
    assert await found(client, first[:2]) == set()  # two symbols would find one random code in 16
