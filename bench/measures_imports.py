"""6. Importing a lieu's spreadsheet: 10,000 rows of French CSV (Windows-1252, semicolons,
decimal commas, dd/mm/yyyy dates) through the same intake as the API, in one transaction;
rows per second, for the check (dry run) and the import. `python -m bench.measures_imports`
runs it alone on a fresh database per engine."""

from __future__ import annotations

import asyncio
import os
import random
import sys
import tempfile
import time
from pathlib import Path

from bench.report import Figure

ROWS = 10_000
_MATERIALS = (("Contreplaqué", 550), ("mdf", 750), ("Bois feuillu", None), ("acier", None), ("inox", None))


def french_csv(rows: int, seed: int = 14) -> bytes:
    rng = random.Random(seed)
    lines = ["Catégorie;Désignation;Longueur (mm);Largeur;Épaisseur;Quantité;Poids;Atelier;État;Date"]
    for n in range(rows):
        material, _ = rng.choice(_MATERIALS)
        mass = f"{rng.uniform(0.2, 40):.3f}".replace(".", ",") if rng.random() < 0.6 else ""
        day = f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.choice((2023, 2024, 2025))}"
        lines.append(
            f"{material};Chute n°{n};{rng.randint(100, 2500)};{rng.randint(50, 1250)};{rng.choice((3, 10, 18, 22))};"
            f"{rng.randint(1, 4)};{mass};{rng.choice(('bois', 'Atelier métal'))};bon;{day}"
        )
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


async def measure_import(engine_name: str, rows: int = ROWS) -> list[Figure]:
    """On the engine already bound (tables, categories, and workshops bois and metal present)."""
    from exchange.auth.service import Actor
    from exchange.ledger.rules import Role
    from exchange.spreadsheets.imports import import_file
    from exchange.tables import Workshop

    for slug, name in (("bois", "Atelier bois"), ("metal", "Atelier métal")):
        if not await Workshop.exists().where(Workshop.slug == slug):
            await Workshop.insert(Workshop(slug=slug, name=name))
    actor = Actor(id=None, name="bench", email="", role=Role.coordinator)  # type: ignore[arg-type]
    content = french_csv(rows, seed=int(time.time()))  # new rows each run: none already imported
    figures = []
    for dry_run in (True, False):
        started = time.perf_counter()
        result = await import_file(actor, content, dry_run=dry_run)
        seconds = time.perf_counter() - started
        assert not result.errors and result.created == rows, result.errors[:3]
        what = "checked (dry run)" if dry_run else "imported (one transaction)"
        figures.append(
            Figure(
                engine_name,
                f"import.{'check' if dry_run else 'write'}.rows_per_s",
                f"spreadsheet import: {rows:,} French CSV rows {what}, {seconds:.1f} s",
                rows / seconds,
                "rows/s",
                detail={"seconds": seconds, "rows": rows},
            )
        )
    return figures


async def _alone(engine_name: str, url: str) -> list[Figure]:
    from exchange import db
    from exchange.lieu.service import install_shipped_categories

    engine = db.engine_from_url(url)
    await db.migrate(engine)
    await db.start(engine)
    try:
        await install_shipped_categories()
        return await measure_import(engine_name)
    finally:
        await db.stop(engine)


def main() -> int:
    from bench.bench_figures import create_pg, drop_pg
    from bench.report import table

    work = Path(tempfile.mkdtemp(prefix="exchange-bench-import-"))
    os.environ.setdefault("EXCHANGE_VAR_DIR", str(work / "var"))
    admin = os.environ.get("EXCHANGE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
    figures = asyncio.run(_alone("sqlite", f"sqlite:///{work / 'import.db'}"))
    if "--sqlite-only" not in sys.argv:
        url = asyncio.run(create_pg(admin))
        try:
            figures += asyncio.run(_alone("postgres", url))
        finally:
            asyncio.run(drop_pg(admin, url))
    print(table(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
