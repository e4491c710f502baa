"""The figures pages in a real Chromium against a real server, on both engines: the page with
its charts passes the accessibility checks at phone and desktop sizes, and the report prints
one A4 page per month. Screenshots and the PDF go to test-artifacts/browser/."""

from __future__ import annotations

import re

from browser import ARTIFACTS, browser, live, log_in, page, page_locale, shoot  # noqa: F401 (fixtures)


def three_months(live) -> None:
    """January to March 2025 in two workshops and three materials, through the API."""
    with live.api("steward") as api:

        def intake(when: str, **body) -> str:
            answer = api.post("/api/v1/items", json={"title": "Chute", "occurred_at": when, **body})
            assert answer.status_code == 201, answer.text
            return answer.json()["code"]

        def act(code: str, action: str, when: str, **body) -> None:
            answer = api.post(f"/api/v1/items/{code}/{action}", json={"occurred_at": when, **body})
            assert answer.status_code == 200, answer.text

        for month in ("01", "02", "03"):
            panel = intake(
                f"2025-{month}-03T10:00:00+01:00",
                category="plywood",
                workshop="bois",
                length_mm=2440,
                width_mm=1220,
                thickness_mm=18,
            )
            bar = intake(f"2025-{month}-04T10:00:00+01:00", category="steel", workshop="metal", mass_kg=12.5)
            glass = intake(f"2025-{month}-05T10:00:00+01:00", category="glass", workshop="metal", mass_kg=4)
            act(panel, "move", f"2025-{month}-10T10:00:00+01:00", workshop="metal")
            act(panel, "use", f"2025-{month}-20T10:00:00+01:00", project="Établi")
            act(bar, "recycle", f"2025-{month}-21T10:00:00+01:00")
            if month != "02":
                act(glass, "discard", f"2025-{month}-22T10:00:00+01:00")


def test_figures_page_and_its_printed_report(live, page):
    three_months(live)
    log_in(page, live, "coordinator", "/figures?month=2025-03")
    page.goto(f"{live.base}/figures?month=2025-03")
    assert page.locator("h1").inner_text() == "Chiffres de mars 2025"
    assert page.locator("svg.chart").count() == 2
    shoot(page, "figures")

    page.goto(f"{live.base}/figures/methodology")
    shoot(page, "methodology")

    page.goto(f"{live.base}/figures/report?from=2025-01&to=2025-03")
    assert page.locator("section.report-page").count() == 3
    page.emulate_media(media="print")
    assert page.locator("header.top").is_hidden()
    pdf = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    (ARTIFACTS / "browser").mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "browser" / f"{page.artifact_prefix}-report.pdf").write_bytes(pdf)
    pages = re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf)
    assert len(pages) == 3, f"the report of 3 months printed on {len(pages)} A4 pages"
    page.emulate_media(media="screen")
    shoot(page, "report", check=False)  # a desk document: wide tables scroll on a phone
