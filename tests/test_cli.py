"""The `exchange` command, run as a newcomer would, on both engines."""

from __future__ import annotations

import os
import subprocess
import sys

from exchange.demo import fill_demo
from exchange.tables import Event, Item, Member, Workshop


def exchange(database_url: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "exchange.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "EXCHANGE_DATABASE_URL": database_url},
    )


async def test_migrate_twice_and_user_add_from_stdin(lieu):
    first = exchange(lieu.url, "migrate")
    second = exchange(lieu.url, "migrate")
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    added = exchange(
        lieu.url,
        "user",
        "add",
        "Nadia@Lieu.example",
        "--name",
        "Nadia",
        "--role",
        "steward",
        stdin="long enough password\n",
    )
    assert added.returncode == 0, added.stderr
    row = await Member.select().where(Member.email == "nadia@lieu.example").first()
    assert row["role"] == "steward" and row["password_hash"].startswith("$argon2id$")
    twice = exchange(
        lieu.url, "user", "add", "nadia@lieu.example", "--name", "N", "--role", "member", stdin="another password\n"
    )
    assert twice.returncode == 1 and "already exists" in twice.stderr
    short = exchange(lieu.url, "user", "add", "x@lieu.example", "--name", "X", "--role", "member", stdin="nine char\n")
    assert short.returncode == 1 and "at least 10" in short.stderr
    # A new password from the shell: every open session of that member ends.
    from exchange.auth.service import Actor, check_password, issue_token
    from exchange.tables import AuthToken

    await issue_token(Actor(id=row["id"], name="Nadia", email="nadia@lieu.example", role="steward"))
    changed = exchange(lieu.url, "user", "password", "nadia@lieu.example", stdin="a brand new password\n")
    assert changed.returncode == 0, changed.stderr
    assert await AuthToken.count().where(AuthToken.member == row["id"]) == 0
    assert await check_password("nadia@lieu.example", "a brand new password") is not None
    unknown = exchange(lieu.url, "user", "password", "nobody@lieu.example", stdin="a brand new password\n")
    assert unknown.returncode == 1 and "no member" in unknown.stderr


def test_help_explains_each_command():
    result = subprocess.run([sys.executable, "-m", "exchange.cli", "--help"], capture_output=True, text=True)
    for command in ("serve", "migrate", "demo", "user", "figures", "backup", "restore", "import", "print"):
        assert command in result.stdout
    assert "before-restore" in result.stdout and "refuse" in result.stdout
    user = subprocess.run([sys.executable, "-m", "exchange.cli", "user", "--help"], capture_output=True, text=True)
    assert "password" in user.stdout and "session" in user.stdout


async def test_demo_fills_an_empty_lieu_once(lieu):
    summary = await fill_demo(seed=7, items=40, months=6)
    assert summary is not None and "Demo lieu ready" in summary
    assert sorted(r["slug"] for r in await Workshop.select(Workshop.slug)) == ["bois", "metal", "verre"]
    items = await Item.count()
    assert items >= 40
    kinds = {row["kind"] for row in await Event.select(Event.kind)}
    assert {"intake", "use", "split", "piece"} <= kinds
    assert await fill_demo(seed=7, items=40) is None
    assert await Item.count() == items


async def test_figures_on_the_terminal_as_text_and_csv(lieu):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from exchange.items import actions, idempotency, intake, schemas

    steward = lieu.members["steward"]
    body = schemas.ItemCreate(category="steel", title="Tôle", workshop="metal", mass_kg=12.5)
    answer = await idempotency.run_action(steward, None, 201, lambda: intake.intake(steward, body))
    code = __import__("json").loads(answer.body)["code"]
    await idempotency.run_action(steward, None, 200, lambda: actions.use(steward, code, schemas.UseIn(project="Banc")))
    month = datetime.now(ZoneInfo("Europe/Paris")).strftime("%Y-%m")
    text = exchange(lieu.url, "figures", month)
    assert text.returncode == 0, text.stderr
    assert "12.5" in text.stdout and month in text.stdout
    csv = exchange(lieu.url, "figures", month, "--csv")
    assert csv.returncode == 0 and csv.stdout.splitlines()[0].startswith("month,category")
    assert any(line.startswith(f"{month},steel,") for line in csv.stdout.splitlines())
    bad = exchange(lieu.url, "figures", "2026-13")
    assert bad.returncode == 2 and "month" in bad.stderr.lower()


async def test_import_then_print_from_the_command_line(lieu, tmp_path):
    import socketserver
    import threading

    received = bytearray()

    class Printer(socketserver.StreamRequestHandler):
        def handle(self):
            while chunk := self.request.recv(65536):
                received.extend(chunk)

    sheet = tmp_path / "stock.csv"
    sheet.write_bytes("catégorie;titre;atelier;masse\ncontreplaqué;Chute;Atelier bois;2,5\n".encode("cp1252"))
    imported = exchange(lieu.url, "import", str(sheet))
    assert imported.returncode == 0, imported.stderr
    assert "1 rows: 1 items created" in imported.stdout and "1 / 1 rows" in imported.stderr
    (code,) = [row["code"] for row in await Item.select(Item.code)]
    assert (await Item.select(Item.mass_g).first())["mass_g"] == 2500

    with socketserver.TCPServer(("127.0.0.1", 0), Printer) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        from exchange.labels.printing import PrinterIn, save_printer

        await save_printer(PrinterIn("bois", "QL-700", "62", f"tcp://127.0.0.1:{server.server_address[1]}"))
        printed = exchange(lieu.url, "print", code, "--printer", "bois")
        server.shutdown()
    assert printed.returncode == 0, printed.stderr
    assert "1 label(s) sent to bois" in printed.stdout and received.startswith(b"\x00" * 200)
