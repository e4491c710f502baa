"""The network's figures page and exports (both engines): two lieux in different time zones
(Paris, and La Réunion at UTC+4 all year) with a transfer between them that falls in January
for the one and in February for the other; the page shows each lieu's figures as the API's
by_lieu gives them, in French and in English; the exports' rows add up to the network's total;
only a network coordinator reads any of it."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import openpyxl
from conftest import auth
from network_support import REUNION, other_lieu
from test_figures_pages import as_role, text_of

from exchange.figures.network_rows import API_COLUMNS, FIELDS
from exchange.web.i18n import format_kg, format_number

# 21:30 UTC on 31 January: 22:30 in Paris (January), 01:30 on 1 February in Saint-Denis.
TRANSFER = "2026-01-31T21:30:00+00:00"
HOME = "la-fabrique-test"
ADDITIVE = [f for f in FIELDS if f not in ("reuse_rate", "transferred_in_kg", "transferred_out_kg")]


async def two_lieux(client, lieu):
    """Steel: 10 kg logged in at home in January and sent to La Réunion (February there), where
    it is used; 4 kg logged in at La Réunion; in March, 10 kg more passed within the month."""
    reunion = await other_lieu(REUNION, "reunion-bois")
    home = auth(lieu, "steward")
    steel = {"category": "steel", "title": "Cornière", "workshop": "bois", "mass_kg": 10}

    async def ok(path: str, body: dict, headers: dict) -> dict:
        answer = await client.post(path, json=body, headers=headers)
        assert answer.status_code in (200, 201), answer.text
        return answer.json()

    a = await ok("/api/v1/items", {**steel, "occurred_at": "2026-01-10T10:00:00+01:00"}, home)
    await ok(f"/api/v1/items/{a['code']}/transfer", {"workshop": "reunion-bois", "occurred_at": TRANSFER}, home)
    b = {**steel, "workshop": "reunion-bois", "mass_kg": 4, "occurred_at": "2026-01-31T20:30:00+00:00"}
    await ok("/api/v1/items", b, reunion.auth("steward"))
    await ok(f"/api/v1/items/{a['code']}/use", {"occurred_at": "2026-02-15T10:00:00+04:00"}, reunion.auth("steward"))
    c = await ok("/api/v1/items", {**steel, "occurred_at": "2026-03-02T10:00:00+01:00"}, home)
    march = {"workshop": "reunion-bois", "occurred_at": "2026-03-10T10:00:00+01:00"}
    await ok(f"/api/v1/items/{c['code']}/transfer", march, home)
    return reunion


def table_after(html: str, heading: str) -> str:
    return html.split(f"<h2>{heading}</h2>", 1)[1].split("</table>", 1)[0]


def cells(row_html: str) -> list[str]:
    return [text_of(c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row_html, re.S)]


def shown(f: dict, lang: str, transfers: bool) -> list[str]:
    """A row of the page's table as figure_table writes it (not compact, no moves)."""
    kg = [f["opening_stock_kg"], f["intake_kg"]]
    kg += [f["transferred_in_kg"], f["transferred_out_kg"]] if transfers else []
    kg += [f[k] for k in ("reused_kg", "recycled_kg", "discarded_kg", "loss_kg", "adjusted_kg", "stock_kg")]
    words = [format_kg(v, lang) for v in kg] + [format_number(f["co2e_avoided_kg"], lang, max_decimals=1)]
    return [w.replace("\xa0", " ") for w in words]  # text_of turns every space into a plain one


async def test_the_page_shows_each_lieu_as_the_api_gives_it(client, lieu):
    await two_lieux(client, lieu)
    names = {x["slug"]: x["name"] for x in (await client.get("/api/v1/lieux")).json()}
    for month in ("2026-01", "2026-02", "2026-03"):
        api = await client.get(
            "/api/v1/figures", params={"month": month, "scope": "network"}, headers=auth(lieu, "network")
        )
        assert api.status_code == 200, api.text
        network = api.json()
        assert [x["lieu"] for x in network["by_lieu"]] == [HOME, "ressourcerie-974"]
        for lang in ("fr", "en"):
            as_role(client, lieu, "network")
            page = await client.get(f"/figures/network?month={month}", headers={"Accept-Language": lang})
            assert page.status_code == 200, page.text
            table = table_after(page.text, "Par lieu" if lang == "fr" else "By lieu")
            transfers = any(x["transferred_in_kg"] or x["transferred_out_kg"] for x in network["by_lieu"])
            rows = re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>", 1)[1].split("</tbody>", 1)[0], re.S)
            assert len(rows) == 2
            for row, figures in zip(rows, network["by_lieu"]):
                first, *values = cells(row)
                assert first == f"{names[figures['lieu']]} {figures['timezone']}"  # its own time zone
                assert values == shown(figures, lang, transfers), (month, lang, figures["lieu"])
                assert f'href="/figures?lieu={figures["lieu"]}&amp;month={month}"' in row
            total = cells(table.split("<tfoot>", 1)[1])
            assert total[1:] == shown(network, lang, transfers)
    # February in words: La Réunion received and used the piece; the network's total says so
    as_role(client, lieu, "network")
    feb = text_of((await client.get("/figures/network?month=2026-02")).text)
    assert "Chiffres du réseau de février 2026" in feb and "2 lieux, chacun dans son propre mois" in feb
    assert "Indian/Reunion" in feb and "Réemployé 10 kg" in feb
    english = text_of((await client.get("/figures/network?month=2026-03", headers={"Accept-Language": "en"})).text)
    assert "The network's figures for March 2026" in english
    assert "Pieces passed from one lieu to another this month: 10 kg" in english  # and cancelled in the total
    bad = await client.get("/figures/network?month=2026-13")
    assert bad.status_code == 422 and "Un mois s'écrit AAAA-MM" in text_of(bad.text)


async def test_links_to_the_page_for_a_network_coordinator_only(client, lieu):
    as_role(client, lieu, "network")
    lieu_page = (await client.get("/figures?month=2026-02")).text
    assert 'href="/figures/network?month=2026-02"' in lieu_page
    assert f'name="lieu" value="{HOME}"' in lieu_page  # choosing another month stays in that lieu
    assert 'href="/figures/network"' in (await client.get("/admin/network")).text
    as_role(client, lieu, "coordinator")
    assert "/figures/network" not in (await client.get("/figures?month=2026-02")).text


async def test_nobody_else_reads_the_network(client, lieu):
    reunion = await other_lieu(REUNION, "reunion-bois")
    paths = [
        "/figures/network?month=2026-02",
        "/figures/network/export.csv?from=2026-01&to=2026-02",
        "/figures/network/export.xlsx?from=2026-01&to=2026-02",
    ]
    for path in paths:
        client.cookies.clear()
        anonymous = await client.get(path, follow_redirects=False)
        assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login"), path
        for token in (lieu.tokens["member"], lieu.tokens["coordinator"], reunion.tokens["coordinator"]):
            client.cookies.set("exchange_session", token)
            for lang, words in (("fr", "Votre rôle ne permet pas cela"), ("en", "Your role does not allow this")):
                refused = await client.get(path, headers={"Accept-Language": lang})
                assert refused.status_code == 403, (path, refused.text[:200])
                assert words in text_of(refused.text), (path, lang)
    api = "/api/v1/figures/network.csv?from=2026-01&to=2026-02"
    for headers in (auth(lieu, "member"), auth(lieu, "coordinator"), reunion.auth("coordinator")):
        refused = await client.get(api, headers=headers)
        assert refused.status_code == 403 and refused.headers["content-type"].startswith("application/problem+json")
        # the same answer as the API's figures of the network
        same = await client.get("/api/v1/figures?month=2026-02&scope=network", headers=headers)
        assert same.status_code == 403
    assert (await client.get(api)).status_code == 401


def sums_up(rows: list[dict], month: str, number) -> None:
    """A month's lieux add up to the network's row, and so do its materials (transfers aside)."""
    mine = [r for r in rows if r["month"] == month]
    lieux = [r for r in mine if r["lieu"] and not r["category"]]
    (total,) = [r for r in mine if not r["lieu"] and not r["category"]]
    materials = [r for r in mine if r["category"]]
    assert lieux and materials
    for field in ADDITIVE:
        for parts in (lieux, materials):
            assert sum(number(r[field]) for r in parts) == number(total[field]), (month, field)


async def test_the_api_csv_rows_sum_to_the_network_total(client, lieu):
    await two_lieux(client, lieu)
    answer = await client.get(
        "/api/v1/figures/network.csv", params={"from": "2026-01", "to": "2026-03"}, headers=auth(lieu, "network")
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-disposition"] == 'attachment; filename="network-figures-2026-01-2026-03.csv"'
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert list(rows[0]) == list(API_COLUMNS)
    for month in ("2026-01", "2026-02", "2026-03"):
        sums_up(rows, month, lambda text: Decimal(text or "0"))
        api = await client.get(
            "/api/v1/figures", params={"month": month, "scope": "network"}, headers=auth(lieu, "network")
        )
        for figures in api.json()["by_lieu"]:
            (row,) = [r for r in rows if r["month"] == month and r["lieu"] == figures["lieu"]]
            assert row["timezone"] == figures["timezone"]
            for field in ("intake_kg", "reused_kg", "transferred_in_kg", "transferred_out_kg", "stock_kg"):
                assert Decimal(row[field]) == Decimal(str(figures[field])), (month, field)
    january = [r for r in rows if r["month"] == "2026-01"]
    assert [(r["lieu"], r["transferred_out_kg"]) for r in january if not r["category"]] == [
        (HOME, "10"),
        ("ressourcerie-974", "0"),
        ("", "10"),  # in La Réunion in February: not cancelled in January
    ]
    march_total = next(r for r in rows if r["month"] == "2026-03" and not r["lieu"] and not r["category"])
    assert (march_total["transferred_in_kg"], march_total["transferred_out_kg"]) == ("0", "0")  # cancelled
    semicolon = await client.get(
        "/api/v1/figures/network.csv",
        params={"from": "2026-02", "to": "2026-02", "sep": "semicolon"},
        headers=auth(lieu, "network"),
    )
    lines = semicolon.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("month;lieu;timezone;category;intake_kg;")
    assert any(";Indian/Reunion;;4;" in line for line in lines)
    too_long = await client.get(
        "/api/v1/figures/network.csv", params={"from": "2025-02", "to": "2026-02"}, headers=auth(lieu, "network")
    )
    assert too_long.status_code == 422


async def test_the_page_exports_in_the_readers_words(client, lieu):
    await two_lieux(client, lieu)
    names = {x["slug"]: x["name"] for x in (await client.get("/api/v1/lieux")).json()}
    as_role(client, lieu, "network")
    french = await client.get("/figures/network/export.csv?from=2026-01&to=2026-03")
    assert french.status_code == 200 and french.headers["content-type"] == "text/csv; charset=utf-8"
    assert french.headers["content-disposition"] == 'attachment; filename="chiffres-reseau-2026-01-2026-03.csv"'
    table = list(csv.reader(io.StringIO(french.content.decode("utf-8-sig")), delimiter=";"))
    header = table[0]
    assert header[:5] == ["Mois", "Lieu", "Fuseau horaire", "Matériau", "Entrées (kg)"]
    assert "Reçu d'autres lieux (kg)" in header and len(header) == len(API_COLUMNS)
    columns = dict(zip(API_COLUMNS, header))
    rows = [
        {field: value for field, value in zip(API_COLUMNS, row)} | {"lieu": row[1], "category": row[3]}
        for row in table[1:]
    ]
    for r in rows:  # "every" in words: the whole network, every material
        r["lieu"] = "" if r["lieu"] == "Tout le réseau" else r["lieu"]
        r["category"] = "" if r["category"] == "Tous les matériaux" else r["category"]
    assert {r["lieu"] for r in rows} == {"", names[HOME], names["ressourcerie-974"]}
    assert "Acier" in {r["category"] for r in rows}
    sums_up(rows, "2026-02", lambda text: Decimal((text or "0").replace(",", ".")))
    reused = header.index(columns["reused_kg"])
    assert any(row[reused] == "10" for row in table[1:])
    english = await client.get("/figures/network/export.csv?from=2026-02&to=2026-02", headers={"Accept-Language": "en"})
    lines = list(csv.reader(io.StringIO(english.content.decode("utf-8-sig"))))
    assert lines[0][:4] == ["Month", "Lieu", "Time zone", "Material"]
    assert ["2026-02", "The whole network", "", "All materials"] == lines[1 + 2][:4]
    sheet = await client.get("/figures/network/export.xlsx?from=2026-02&to=2026-02")
    assert sheet.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(sheet.content))
    values = list(book.active.values)
    assert values[0][0] == "Mois" and isinstance(values[1][4], int | float)  # real numbers in the cells
    ods = await client.get("/figures/network/export.ods?from=2026-02&to=2026-02")
    assert ods.status_code == 200 and ods.content[:2] == b"PK"
