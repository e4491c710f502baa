"""Transferring a piece to another lieu from its page, in a real Chromium at 360 px, on both
engines: a second lieu is added the way a network is set up (`exchange lieu add`, a network
coordinator, a workshop through the API), then the steward opens the form, chooses Lyon's
workshop and sends; the page says where it went and shows its journey."""

from __future__ import annotations

import os
import subprocess
import sys

from browser import PASSWORD, ROOT, browser, live, log_in, page, page_locale, shoot  # noqa: F401 (fixtures)


def exchange_command(live, *args: str, stdin: str = "") -> None:
    result = subprocess.run(
        [sys.executable, "-m", "exchange.cli", *args],
        cwd=ROOT,
        env={**os.environ, "EXCHANGE_DATABASE_URL": live.database_url},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_steward_transfers_a_piece_to_lyon_at_360_px(live, page):
    exchange_command(live, "lieu", "add", "fablab-lyon", "--name", "Fablab de Lyon", "--city", "Lyon", "--lat",
                     "45.764", "--lon", "4.8357")  # fmt: skip
    exchange_command(live, "user", "add", "network@lieu.example", "--name", "Réseau", "--role", "network",
                     stdin=PASSWORD + "\n")  # fmt: skip
    with live.api("network") as api:
        made = api.post("/api/v1/workshops", json={"slug": "lyon-bois", "name": "Bois de Lyon", "lieu": "fablab-lyon"})
        assert made.status_code == 201, made.text
    with live.api("steward") as api:
        item = api.post(
            "/api/v1/items",
            json={"category": "plywood", "title": "Chute de contreplaqué", "workshop": "bois", "length_mm": 900},
        ).json()
    code = item["code"]
    log_in(page, live, "steward", f"/i/{code}")
    page.goto(f"{live.base}/i/{code}")
    page.click("#transfer summary")
    assert page.locator("#transfer-workshop optgroup[label='Fablab de Lyon']").count() == 1
    page.select_option("#transfer-workshop", "lyon-bois")
    page.fill("#transfer-note", "pour leur atelier")
    shoot(page, "transfer-form-fr")
    page.click("#transfer button[type=submit]")
    page.wait_for_url(f"{live.base}/i/{code}")
    said = page.inner_text(".flash-ok")
    assert "Transférée vers Bois de Lyon (Fablab de Lyon)" in said, said
    assert page.locator("#transfer").count() == 0  # Lyon's piece now: our steward is a member there
    shoot(page, "transfer-done-fr")
    with live.api() as api:
        assert api.get(f"/api/v1/items/{code}").json()["lieu"] == "fablab-lyon"
