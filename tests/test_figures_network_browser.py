"""The network's figures page in a real Chromium at 360 px, on both engines: a second lieu in
La Réunion (`exchange lieu add`), a network coordinator, a piece sent there; the page passes the
accessibility checks (no sideways scrolling: its tables scroll inside their box) and its CSV
downloads. Screenshots go to test-artifacts/browser/."""

from __future__ import annotations

from browser import PASSWORD, browser, live, log_in, page, page_locale, shoot  # noqa: F401 (fixtures)
from test_transfer_browser import exchange_command


def test_the_network_figures_at_360_px(live, page):
    exchange_command(live, "lieu", "add", "ressourcerie-974", "--name", "Ressourcerie", "--city", "Saint-Denis", "--lat",
                     "-20.8823", "--lon", "55.4504",
                     "--timezone", "Indian/Reunion")  # fmt: skip
    exchange_command(live, "user", "add", "network@lieu.example", "--name", "Réseau", "--role", "network",
                     stdin=PASSWORD + "\n")  # fmt: skip
    with live.api("network") as api:
        made = api.post("/api/v1/workshops", json={"slug": "reunion-bois", "name": "Bois", "lieu": "ressourcerie-974"})
        assert made.status_code == 201, made.text
    with live.api("steward") as api:
        body = {"category": "steel", "title": "Cornière", "workshop": "bois", "mass_kg": 10}
        code = api.post("/api/v1/items", json={**body, "occurred_at": "2026-02-02T10:00:00+01:00"}).json()["code"]
        sent = api.post(
            f"/api/v1/items/{code}/transfer",
            json={"workshop": "reunion-bois", "occurred_at": "2026-02-10T10:00:00+01:00"},
        )
        assert sent.status_code == 200, sent.text
    log_in(page, live, "network", "/admin/network")
    page.goto(f"{live.base}/admin/network")
    page.click("a[href='/figures/network']")
    page.goto(f"{live.base}/figures/network?month=2026-02")
    assert page.locator("h1").inner_text() == "Chiffres du réseau de février 2026"
    assert page.locator("a[href='/figures?lieu=ressourcerie-974&month=2026-02']").inner_text() == "Ressourcerie"
    shoot(page, "network-figures")
    with page.expect_download() as download:
        page.click("form[action='/figures/network/export.csv'] button[type=submit]:not([formaction])")
    assert download.value.suggested_filename == "chiffres-reseau-2025-03-2026-02.csv"
