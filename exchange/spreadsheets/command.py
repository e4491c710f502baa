"""`exchange import FILE` and `exchange print CODES --printer NAME`: the same services as the
API, with progress on the terminal."""

from __future__ import annotations

import sys
from pathlib import Path

from exchange.auth import queries as auth_queries
from exchange.auth.service import Actor, actor_of_member
from exchange.ledger.codes import CodeError
from exchange.ledger.rules import LedgerError, Role

# The command line acts with a coordinator's rights in every lieu (whoever runs it holds the
# database); its intakes are recorded for --by's member (with their own roles), or for nobody
# (the ledger allows no member).
COMMAND_LINE = Actor(id=None, name="exchange import", email="", role=Role.coordinator)  # type: ignore[arg-type]


async def _actor(email: str | None) -> Actor | None:
    if email is None:
        return COMMAND_LINE
    row = await auth_queries.member_by_email(email.strip().lower(), active_only=True)
    return None if row is None else await actor_of_member(row["id"])  # with their role in each lieu


def _progress(done: int, total: int) -> None:
    if sys.stderr.isatty():
        print(f"\r{done} / {total} rows", end="" if done < total else "\n", file=sys.stderr, flush=True)
    elif done % 1000 == 0 or done == total:
        print(f"{done} / {total} rows", file=sys.stderr, flush=True)


async def run_import(path: str, *, dry_run: bool, by: str | None, lieu: str | None = None) -> int:
    from exchange.spreadsheets.imports import import_file

    actor = await _actor(by)
    if actor is None:
        print(f"No active member has the e-mail {by}.", file=sys.stderr)
        return 2
    try:
        content = Path(path).read_bytes()
    except OSError as error:
        print(f"Cannot read {path}: {error.strerror}.", file=sys.stderr)
        return 2
    try:
        result = await import_file(actor, content, dry_run=dry_run, progress=_progress, lieu=lieu)
    except LedgerError as error:
        print(error.message, file=sys.stderr)
        return 2
    for error in result.errors:
        print(f"row {error.row}, {error.column}: {error.message}", file=sys.stderr)
    if result.errors:
        print(f"{len(result.errors)} error(s): nothing was written.", file=sys.stderr)
        return 1
    verb = "would be created" if dry_run else "created"
    print(f"{result.rows} rows: {result.created} items {verb}, {result.skipped} already imported.")
    if result.labels_pdf_url:
        print(f"Their labels: {result.labels_pdf_url}")
    return 0


async def run_print(codes: list[str], printer: str) -> int:
    from exchange.labels.printing import print_labels

    try:
        done = await print_labels(codes, printer)
    except (LedgerError, CodeError) as error:
        print(getattr(error, "message", str(error)), file=sys.stderr)
        return 1
    print(f"{len(done.codes)} label(s) sent to {done.printer} ({done.bytes_sent} bytes).")
    return 0
