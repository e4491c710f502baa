"""The `exchange` command: serve, migrate, demo, user add/password, lieu add, figures, backup, restore, import, print."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from exchange import db
from exchange.settings import get_settings


async def _with_database(work: Callable[[], Awaitable[Any]]) -> Any:
    """Migrate if needed, bind the tables, run `work`, close."""
    from exchange.lieu.service import install_shipped_categories

    engine = db.engine_from_url(get_settings().database_url)
    await db.migrate(engine)
    await db.start(engine)
    try:
        await install_shipped_categories()
        return await work()
    finally:
        await db.stop(engine)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from exchange.base_url import problems, served_base_url

    if not get_settings().base_url_set:
        # The labels point where this server answers (the workers inherit the environment).
        os.environ["EXCHANGE_BASE_URL"] = served_base_url(args.host, args.port)
        get_settings.cache_clear()
    asyncio.run(_with_database(lambda: asyncio.sleep(0)))
    settings = get_settings()
    print(f"Exchange for {settings.lieu_name} on http://{args.host}:{args.port}", file=sys.stderr)
    print(f"Labels point at {settings.base_url}/i/...", file=sys.stderr)
    for problem in problems(settings.base_url):
        print(f"WARNING: {problem}", file=sys.stderr)
    # uvicorn believes X-Forwarded-* from the same proxies as the login throttle does.
    trusted = ",".join(str(network) for network in settings.trusted_proxies)
    uvicorn.run(
        "exchange.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        proxy_headers=bool(trusted),
        forwarded_allow_ips=trusted or None,
        log_level="info",
        access_log=args.access_log or get_settings().access_log,
    )
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    asyncio.run(_with_database(lambda: asyncio.sleep(0)))
    print("The database is at the current schema.")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from exchange.demo import fill_demo

    async def work() -> int:
        summary = await fill_demo(seed=args.seed)
        if summary is None:
            print("The database already holds items: the demo fills only an empty one.", file=sys.stderr)
            return 1
        print(summary)
        return 0

    return asyncio.run(_with_database(work))


def _read_password() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Password again: "):
        raise SystemExit("The two passwords differ.")
    return first


def cmd_user_add(args: argparse.Namespace) -> int:
    from exchange.auth.service import add_member
    from exchange.ledger.rules import Invalid, Role
    from exchange.lieu.lieux import lieu_id

    password = _read_password()
    network = args.role == "network"

    async def work() -> int:
        try:
            lieu = await lieu_id(args.lieu) if args.lieu else None
            role = Role.coordinator if network and lieu is not None else Role.member if network else Role(args.role)
            member_id = await add_member(args.email, args.name, role, password, lieu=lieu, network=network)
        except Invalid as error:
            print(f"Not added: {error.message}", file=sys.stderr)
            return 1
        where = f" in {args.lieu}" if args.lieu else ""
        print(f"Added {args.email} ({args.role}{where}), member #{member_id}.")
        return 0

    return asyncio.run(_with_database(work))


def cmd_lieu_add(args: argparse.Namespace) -> int:
    from exchange.ledger.rules import Invalid
    from exchange.lieu.lieux import add_lieu
    from exchange.lieu.schemas import LieuCreate

    async def work() -> int:
        try:
            lieu = await add_lieu(
                LieuCreate(
                    slug=args.slug,
                    name=args.name,
                    city=args.city,
                    latitude=args.lat,
                    longitude=args.lon,
                    time_zone=args.timezone,
                    shares_with_network=not args.private,
                    language=args.language,
                )
            )
        except Invalid as error:
            print(f"Not added: {error.message}", file=sys.stderr)
            return 1
        print(f"Added the lieu {lieu.slug} ({lieu.name}, {lieu.city}, {lieu.time_zone}).")
        return 0

    return asyncio.run(_with_database(work))


def cmd_figures(args: argparse.Namespace) -> int:
    from exchange.figures.rows import figures_csv
    from exchange.figures.scope import lieu_scope
    from exchange.figures.service import month_figures, network_figures
    from exchange.figures.text import format_figures
    from exchange.ledger.rules import Invalid

    async def work() -> int:
        try:
            if args.network:
                if args.csv:
                    print("--csv writes one lieu's rows: give --lieu SLUG instead of --network.", file=sys.stderr)
                    return 2
                text = format_figures(await network_figures(args.month))
            elif args.csv:
                text = await figures_csv(args.month, args.month, lieu=await lieu_scope(args.lieu))
            else:
                figures = await month_figures(args.month, lieu=await lieu_scope(args.lieu))
                text = format_figures(figures, named=args.lieu is not None)
        except Invalid as error:
            print(error.message, file=sys.stderr)
            return 2
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return 0

    return asyncio.run(_with_database(work))


def cmd_user_password(args: argparse.Namespace) -> int:
    from exchange.auth.service import set_password_by_email
    from exchange.ledger.rules import LedgerError

    password = _read_password()

    async def work() -> int:
        try:
            ended = await set_password_by_email(args.email, password)
        except LedgerError as error:
            print(f"Not changed: {error.message}", file=sys.stderr)
            return 1
        print(f"New password set for {args.email}; {ended} open session(s) ended.")
        return 0

    return asyncio.run(_with_database(work))


def cmd_backup(args: argparse.Namespace) -> int:
    from exchange.backup import Refused, backup

    try:
        backup(get_settings().database_url, args.path)
    except Refused as error:
        print(f"Backup refused: {error}", file=sys.stderr)
        return 1
    print(f"Backed up to {args.path}.")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from exchange.backup import Refused, restore

    try:
        kept = restore(get_settings().database_url, args.path)
    except Refused as error:
        print(f"Restore refused: {error}", file=sys.stderr)
        return 1
    # An older backup is brought to this version's schema (the migrations are additive).
    asyncio.run(_with_database(lambda: asyncio.sleep(0)))
    print(f"Restored from {args.path}." + (f" The database as it was is kept as {kept}." if kept else ""))
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from exchange.spreadsheets.command import run_import

    return asyncio.run(_with_database(lambda: run_import(args.file, dry_run=args.dry_run, by=args.by, lieu=args.lieu)))


def cmd_print(args: argparse.Namespace) -> int:
    from exchange.spreadsheets.command import run_print

    return asyncio.run(_with_database(lambda: run_print(args.codes, args.printer)))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="exchange",
        description="Exchange, the material exchange of a tiers-lieu. Settings come from the environment "
        "(EXCHANGE_DATABASE_URL, EXCHANGE_BASE_URL, EXCHANGE_TIMEZONE, EXCHANGE_SECRET, EXCHANGE_MEDIA_DIR, "
        "EXCHANGE_TRUSTED_PROXIES: proxies whose X-Forwarded-For is believed, default 127.0.0.1; "
        "EXCHANGE_MAX_RESERVATIONS: items one member may hold reserved at once, default 10; EXCHANGE_ACCESS_LOG=1: one log line per request) "
        "or a .env file.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="migrate if needed, then serve the app")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    serve.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    serve.add_argument(
        "--access-log", action="store_true", help="one log line per request (also EXCHANGE_ACCESS_LOG=1; default off)"
    )
    serve.set_defaults(run=cmd_serve)

    migrate = commands.add_parser("migrate", help="bring the database to the current schema; safe to run twice")
    migrate.set_defaults(run=cmd_migrate)

    demo = commands.add_parser(
        "demo", help="fill an empty database with a believable lieu: 3 workshops, a few hundred items, six months"
    )
    demo.add_argument("--seed", type=int, default=2026, help="random seed (the same seed gives the same lieu)")
    demo.set_defaults(run=cmd_demo)

    user = commands.add_parser("user", help="manage members")
    user_commands = user.add_subparsers(dest="user_command", required=True, metavar="ACTION")
    add = user_commands.add_parser(
        "add", help="add a member; the password is read from standard input when it is not a terminal"
    )
    add.add_argument("email")
    add.add_argument("--name", required=True, help="the name shown to other members")
    add.add_argument(
        "--role",
        required=True,
        choices=["member", "steward", "coordinator", "network"],
        help="the role in the lieu; network: a network coordinator (creates lieux, reads every lieu's figures)",
    )
    add.add_argument("--lieu", help="the lieu's slug (default: the first lieu; with --role network, coordinator there)")
    add.set_defaults(run=cmd_user_add)
    password = user_commands.add_parser(
        "password",
        help="set a new password (read from standard input when it is not a terminal, else prompted twice); "
        "every open session of that member ends",
    )
    password.add_argument("email")
    password.set_defaults(run=cmd_user_password)

    lieu = commands.add_parser("lieu", help="manage the lieux of the network")
    lieu_commands = lieu.add_subparsers(dest="lieu_command", required=True, metavar="ACTION")
    lieu_add = lieu_commands.add_parser("add", help="add a lieu to the network")
    lieu_add.add_argument("slug", help="lower-case letters, digits and hyphens, e.g. fablab-lyon")
    lieu_add.add_argument("--name", required=True)
    lieu_add.add_argument("--city", required=True)
    lieu_add.add_argument("--lat", type=float, required=True, help="latitude in decimal degrees")
    lieu_add.add_argument("--lon", type=float, required=True, help="longitude in decimal degrees")
    lieu_add.add_argument("--timezone", default="Europe/Paris", help="e.g. Indian/Reunion (default Europe/Paris)")
    lieu_add.add_argument("--private", action="store_true", help="its pieces are not offered to the other lieux")
    lieu_add.add_argument("--language", choices=["fr", "en"], default="fr", help="what its labels speak (default fr)")
    lieu_add.set_defaults(run=cmd_lieu_add)

    figures = commands.add_parser("figures", help="a month's figures on the terminal")
    figures.add_argument("month", help="YYYY-MM, in the lieu's time zone")
    figures.add_argument("--csv", action="store_true", help="one CSV row per category instead of a table")
    whose = figures.add_mutually_exclusive_group()
    whose.add_argument("--lieu", metavar="SLUG", help="this lieu's figures (default: the first lieu)")
    whose.add_argument(
        "--network", action="store_true", help="the network's: every lieu's month summed, transfers cancelling"
    )
    figures.set_defaults(run=cmd_figures)

    backup = commands.add_parser(
        "backup",
        help="a consistent copy of the database, safe while the app runs: written beside PATH, checked, "
        "then renamed over it (a failed backup leaves the previous one whole); refuses the live database's "
        "own files; the copy is readable by its owner only",
    )
    backup.add_argument("path")
    backup.set_defaults(run=cmd_backup)

    restore = commands.add_parser(
        "restore",
        help="replace the database with a backup: stop the server first (refused while one serves). The backup "
        "must pass an integrity check and hold Exchange's schema and nothing else; the current database is kept "
        "as <db>.before-restore-<timestamp> (PostgreSQL: <db>_before_restore_<timestamp>)",
    )
    restore.add_argument("path")
    restore.set_defaults(run=cmd_restore)

    sheet = commands.add_parser(
        "import", help="bring in a spreadsheet of existing stock (CSV, XLSX, ODS): all rows or none"
    )
    sheet.add_argument("file", help="the spreadsheet; its first row names the columns (French or English)")
    sheet.add_argument("--dry-run", action="store_true", help="check every row and write nothing")
    sheet.add_argument("--by", metavar="EMAIL", help="the steward or coordinator the intakes are recorded for")
    sheet.add_argument(
        "--lieu", metavar="SLUG", help="the lieu the items go into (its workshops, its time zone); default the first"
    )
    sheet.set_defaults(run=cmd_import)

    printing = commands.add_parser("print", help="send labels to a label printer")
    printing.add_argument("codes", nargs="+", help="item codes (or blank codes)")
    printing.add_argument("--printer", required=True, help="the printer's name (GET /api/v1/printers)")
    printing.set_defaults(run=cmd_print)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
