"""A lieu chosen for the tools that used to know only one, on both engines: `exchange figures
--lieu SLUG` and `--network`, `exchange import FILE --lieu SLUG`, `lieu=` on POST
/api/v1/imports and its choice on the /import page for the network's coordinator. A
single-lieu installation sees no change (its only lieu is the default): the tests of
test_cli.py, test_spreadsheets_import.py and test_import_pages.py run without a lieu."""

from __future__ import annotations

from datetime import UTC, datetime

from conftest import auth
from network_support import REUNION, other_lieu
from test_cli import exchange
from test_figures_support import History
from test_web_pages import csrf_of, log_in

from exchange.auth.service import actor_of_member
from exchange.figures.scope import lieu_scope
from exchange.tables import Event, Item

# Midnight on 31 January in La Réunion is 20:00 UTC on the 30th (UTC+4 all year).
SHEET = "catégorie;titre;atelier;masse;date\nacier;Cornière;run-bois;3;31/01/2026\n"
INTAKE_UTC = datetime(2026, 1, 30, 20, 0, tzinfo=UTC)


async def _post(client, headers, content: str, **params):
    return await client.post(
        "/api/v1/imports", params=params, files={"file": ("s.csv", content.encode())}, headers=headers
    )


async def _items() -> list[dict]:
    return await Item.select(Item.code, Item.title, Item.workshop.slug).order_by(Item.id)


async def test_imports_choose_their_lieu_and_read_dates_in_its_time_zone(client, lieu):
    reunion = await other_lieu(REUNION, "run-bois", roles=("steward",))
    network, home = auth(lieu, "network"), auth(lieu, "steward")
    # Without lieu=, the reader's own lieu (the network's coordinator has none: the first lieu),
    # whose workshops do not include La Réunion's.
    unknown = await _post(client, network, SHEET)
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["column"] == "atelier", unknown.text
    assert (await _post(client, network, SHEET, lieu="nowhere")).status_code == 422
    # A steward of another lieu may not bring stock into La Réunion.
    assert (await _post(client, home, SHEET, lieu=REUNION.slug)).status_code == 403
    # The network's coordinator may (setting a lieu up), with the date in the lieu's time zone.
    done = await _post(client, network, SHEET, lieu=REUNION.slug)
    assert done.status_code == 201, done.text
    (item,) = await _items()
    assert item["workshop.slug"] == "run-bois"
    intake = await Event.select(Event.occurred_at).first()
    assert intake["occurred_at"].astimezone(UTC) == INTAKE_UTC
    assert (await client.get(f"/api/v1/items/{item['code']}")).json()["lieu"] == REUNION.slug
    # La Réunion's own steward, without lieu=: their own lieu.
    theirs = await _post(client, reunion.auth("steward"), SHEET.replace("Cornière", "Tube"))
    assert theirs.status_code == 201, theirs.text
    assert [i["workshop.slug"] for i in await _items()] == ["run-bois", "run-bois"]


async def test_the_import_page_offers_the_network_coordinator_every_lieu(client, lieu):
    await other_lieu(REUNION, "run-bois", roles=())
    token = await log_in(client, "network")
    form = await client.get("/import")
    assert 'name="lieu"' in form.text and f'value="{REUNION.slug}"' in form.text
    preview = await client.post(
        "/import", data={"_csrf_token": token, "lieu": REUNION.slug}, files={"file": ("s.csv", SHEET.encode())}
    )
    assert preview.status_code == 200 and 'id="import-confirm"' in preview.text, preview.text
    assert f'name="lieu" value="{REUNION.slug}"' in preview.text and await Item.count() == 0
    upload = preview.text.split('name="token" value="')[1].split('"')[0]
    run = await client.post(
        "/import/confirm", data={"_csrf_token": csrf_of(preview.text), "token": upload, "lieu": REUNION.slug}
    )
    assert run.status_code == 200 and "flash-ok" in run.text, run.text
    assert [i["workshop.slug"] for i in await _items()] == ["run-bois"]


async def test_a_steward_of_one_lieu_sees_no_choice(client, lieu):
    await other_lieu(REUNION, "run-bois", roles=())
    await log_in(client, "steward")
    assert 'name="lieu"' not in (await client.get("/import")).text


async def test_figures_and_import_on_the_command_line_for_a_lieu_and_the_network(lieu, tmp_path):
    reunion = await other_lieu(REUNION, "run-bois", roles=("steward",))
    home = (await lieu_scope()).slug
    sheet = tmp_path / "stock.csv"
    sheet.write_text(SHEET, encoding="utf-8")
    imported = exchange(lieu.url, "import", str(sheet), "--lieu", REUNION.slug)
    assert imported.returncode == 0 and "1 items created" in imported.stdout, imported.stderr
    (item,) = await _items()
    assert item["workshop.slug"] == "run-bois"
    # La Réunion passes it to the first lieu in January.
    steward = History(lieu, actor=await actor_of_member(reunion.ids["steward"]))
    await steward.act("transfer", item["code"], datetime(2026, 1, 31, 12, tzinfo=UTC), workshop="bois")

    theirs = exchange(lieu.url, "figures", "2026-01", "--lieu", REUNION.slug)
    assert theirs.returncode == 0, theirs.stderr
    assert f"the whole lieu {REUNION.slug}" in theirs.stdout and "+04:00" in theirs.stdout
    assert "to other lieux 3.000 kg" in theirs.stdout and "to lieux" in theirs.stdout  # the line, the column
    ours = exchange(lieu.url, "figures", "2026-01")  # the first lieu, as before
    assert ours.returncode == 0 and "(the whole lieu)" in ours.stdout  # as on a single lieu
    assert "from other lieux 3.000 kg" in ours.stdout and "closing 3.000 kg" in ours.stdout
    csv = exchange(lieu.url, "figures", "2026-01", "--csv", "--lieu", REUNION.slug)
    assert csv.returncode == 0 and any(line.startswith("2026-01,steel,3.000,") for line in csv.stdout.splitlines())
    network = exchange(lieu.url, "figures", "2026-01", "--network")
    assert network.returncode == 0, network.stderr
    lines = network.stdout.splitlines()
    assert "the network" in lines[0] and "transferred" not in network.stdout  # in and out cancel
    assert any(line.startswith(REUNION.slug) for line in lines) and any(line.startswith(home) for line in lines)
    refused = exchange(lieu.url, "figures", "2026-01", "--network", "--csv")
    assert refused.returncode == 2 and "--lieu" in refused.stderr
    unknown = exchange(lieu.url, "figures", "2026-01", "--lieu", "nowhere")
    assert unknown.returncode == 2 and "nowhere" in unknown.stderr


async def test_figure_pages_show_transfers_between_lieux_only_when_there_are(client, lieu):
    await other_lieu(REUNION, "run-bois", roles=())
    home = auth(lieu, "steward")
    steel = {"category": "steel", "title": "Cornière", "workshop": "bois", "mass_kg": 10}
    code = (
        await client.post("/api/v1/items", json={**steel, "occurred_at": "2026-01-10T10:00:00+01:00"}, headers=home)
    ).json()["code"]
    sent = await client.post(
        f"/api/v1/items/{code}/transfer",
        json={"workshop": "run-bois", "occurred_at": "2026-01-20T10:00:00+01:00"},
        headers=home,
    )
    assert sent.status_code == 200, sent.text
    await log_in(client, "coordinator")
    january = await client.get("/figures", params={"month": "2026-01"})  # in French, the default
    assert january.status_code == 200
    assert "Reçu d'autres lieux" in january.text and "Parti vers d'autres lieux" in january.text
    assert "parti vers d'autres lieux 10" in january.text  # the mass balance names it too
    report = await client.get("/figures/report", params={"month": "2026-01"}, headers={"Accept-Language": "en"})
    assert report.status_code == 200 and "To other lieux" in report.text and "to other lieux 10" in report.text
    february = await client.get("/figures", params={"month": "2026-02"})
    assert "autres lieux" not in february.text  # nothing passed on: the tables as before
