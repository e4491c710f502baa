"""The figures pages (both engines): access by role, the charts, the report, the methodology
and the factor override form, the CSV for a browser session."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from conftest import auth
from test_figures_api import factor_sets_restored, months  # noqa: F401  (fixtures)
from test_figures_support import SHIPPED

from exchange.figures import charts

ROLE_COOKIE = "exchange_session"


def as_role(client, lieu, role: str) -> None:
    """A browser session: the session cookie holds the member's token."""
    client.cookies.set(ROLE_COOKIE, lieu.tokens[role])


def csrf_of(html: str) -> str:
    return re.search(r'name="_csrf_token" value="([^"]+)"', html).group(1)


def text_of(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


async def test_figures_page_needs_a_login_and_draws_its_charts(client, lieu, months):
    anonymous = await client.get("/figures?month=2025-01")
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
    as_role(client, lieu, "member")
    page = await client.get("/figures?month=2025-01")
    assert page.status_code == 200, page.text
    main = page.text.split("<main", 1)[1].split("</main>", 1)[0]
    assert page.text.count("<svg") == 2 and "<script" not in main
    words = text_of(page.text)
    assert "Chiffres de janvier 2025" in words
    assert "Réemployé 4 kg" in words  # 4 kg of steel used in January
    assert "/figures/report" not in page.text  # the report is for coordinators
    english = await client.get("/figures?month=2025-01", headers={"Accept-Language": "en"})
    assert "Figures for January 2025" in text_of(english.text)
    # Without a month, the last full one: what a coordinator reports on.
    today = datetime.now(ZoneInfo("Europe/Paris")).date()
    last = today.replace(day=1) - timedelta(days=1)
    french_months = "janvier février mars avril mai juin juillet août septembre octobre novembre décembre".split()
    default = await client.get("/figures")
    assert f"Chiffres de {french_months[last.month - 1]} {last.year}" in text_of(default.text)
    bad = await client.get("/figures?month=2025-13")
    assert bad.status_code == 422 and "Un mois s'écrit AAAA-MM" in unescape(bad.text)


async def test_report_is_one_print_page_per_month_for_coordinators(client, lieu, months):
    as_role(client, lieu, "member")
    assert (await client.get("/figures/report?month=2025-01")).status_code == 403
    as_role(client, lieu, "coordinator")
    report = await client.get("/figures/report?from=2025-01&to=2025-03")
    assert report.status_code == 200, report.text
    assert report.text.count('class="report-page"') == 3
    assert "@page { size: A4" in report.text and "@media print" in report.text
    words = text_of(report.text)
    for needed in (
        "Rapport mensuel",
        "janvier 2025",
        "février 2025",
        "mars 2025",
        SHIPPED,
        "Méthode",
        "Par atelier",
        "Par matériau",
    ):
        assert needed in words, needed
    assert report.text.count("<svg") == 3


async def test_methodology_shows_every_factor_with_its_source(client, lieu):
    page = await client.get("/figures/methodology")  # open to anyone, like the categories
    assert page.status_code == 200
    words = text_of(page.text)
    assert f"Les facteurs du jeu {SHIPPED}" in words
    assert "ICE (Inventory of Carbon and Energy) v3.0 — Timber, sawn softwood" in words
    assert "0,681" in words and "kg CO2e/kg" in words  # plywood's reuse factor, French decimal comma
    assert "Remplacer un facteur" not in words  # the form is for coordinators


async def test_a_coordinator_overrides_a_factor_from_the_page(client, lieu, factor_sets_restored):
    as_role(client, lieu, "coordinator")
    page = await client.get("/figures/methodology")
    form = {
        "_csrf_token": csrf_of(page.text),
        "category": "glass",
        "kind": "recycle",
        "value": "0,6",
        "source": "Étude du lieu",
        "version": "2025",
        "entry": "verre plat",
        "note": "",
    }
    answer = await client.post("/figures/methodology/factors", data=form)
    assert answer.status_code == 303, answer.text
    after = await client.get(answer.headers["location"])
    assert f"Nouveau jeu de facteurs : {SHIPPED}+lieu.1." in text_of(after.text)
    assert "Étude du lieu 2025 — verre plat" in text_of(after.text)
    forged = await client.post("/figures/methodology/factors", data={**form, "_csrf_token": "x" * 60})
    assert forged.status_code == 403


async def test_csv_export_for_a_browser_session(client, lieu, months):
    as_role(client, lieu, "steward")
    assert (await client.get("/figures/export.csv?from=2025-01&to=2025-02")).status_code == 403
    as_role(client, lieu, "coordinator")
    answer = await client.get("/figures/export.csv?from=2025-01&to=2025-02")
    assert answer.status_code == 200 and answer.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["Mois", "Atelier", "Matériau", "Entrées (kg)"] and rows[0][-1] == "Jeu de facteurs"
    assert answer.headers["content-disposition"] == 'attachment; filename="chiffres-2025-01-2025-02.csv"'
    by_place = {(r[0], r[1], r[2]): r for r in rows[1:]}
    assert len(by_place) == len(rows) - 1  # one row per month, workshop and material
    assert {r[1] for r in rows[1:]} <= {"Atelier bois", "Atelier métal"}
    reused = rows[0].index("Réemployé (kg)")
    assert all(re.fullmatch(r"-?\d+,\d{3}", r[reused]) for r in rows[1:])  # decimal commas
    english = await client.get("/figures/export.csv?from=2025-01&to=2025-02", headers={"Accept-Language": "en"})
    rows_en = list(csv.reader(io.StringIO(english.content.decode("utf-8-sig"))))
    assert rows_en[0][:3] == ["Month", "Workshop", "Material"] and len(rows_en) == len(rows)
    assert all("," not in r[reused] for r in rows_en[1:])
    api = await client.get("/api/v1/figures.csv?from=2025-01&to=2025-02", headers=auth(lieu, "coordinator"))
    assert api.text.lstrip("\ufeff").startswith("month,category,")  # the API's contract stays


def test_chart_is_plain_svg_scaled_to_its_numbers():
    svg = charts.stacked_bars(
        ["janv.", "févr."],
        [charts.Series("Réemployé", "#000", [10.0, 0.0]), charts.Series("Recyclé <&>", "#111", [5.0, 2.5])],
        title="Sorties",
        unit="kg",
    )
    assert svg.startswith("<svg") and svg.endswith("</svg>") and 'role="img"' in svg
    assert "Recyclé &lt;&amp;&gt;" in svg and "<&>" not in svg  # text escaped
    bars = re.findall(r'<rect x="[\d.]+" y="([\d.]+)" width="[\d.]+" height="([\d.]+)" fill="#\d+"><title>', svg)
    assert len(bars) == 3  # no bar for a zero
    heights = sorted(float(h) for _, h in bars)
    # 10, 5 and 2.5 kg on a 0..16 axis (step 4): heights in proportion 4 : 2 : 1
    assert heights[2] == pytest.approx(2 * heights[1], abs=0.2) and heights[1] == pytest.approx(2 * heights[0], abs=0.2)
    assert charts.nice_step(0) == 1 and charts.nice_step(15) == 5 and charts.nice_step(1234) == 500
