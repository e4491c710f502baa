"""The migrations runner: Piccolo's forwards migrations from ../migrations."""

from __future__ import annotations

import contextlib
import sys

from piccolo.engine.base import Engine

from exchange.db.engine import is_sqlite, use_engine
from exchange.db.sqlite_file import prepare_sqlite_file


async def migrate(engine: Engine) -> None:
    """Apply the migrations in ../migrations; safe to run twice."""
    from piccolo.apps.migrations.commands.forwards import run_forwards

    use_engine(engine)
    if is_sqlite(engine):
        prepare_sqlite_file(engine.path)
    # Piccolo reports on stdout; that belongs to the command's own output (e.g. a CSV).
    with contextlib.redirect_stdout(sys.stderr):
        result = await run_forwards(app_name="exchange")
    if not result.success:
        raise RuntimeError(f"migrations failed: {result.message}")
