"""The lieux of a network: the list, adding one (network coordinator), workshops in a lieu,
and the command line, on both engines."""

from __future__ import annotations

from conftest import PASSWORD, auth
from test_cli import exchange

from exchange.auth.service import actor_of_member, add_member, issue_token
from exchange.ledger.rules import Role
from exchange.lieu.lieux import lieu_id, slug_from_name
from exchange.tables import Lieu, Member, Workshop

LYON = {
    "slug": "fablab-lyon",
    "name": "Fablab de Lyon",
    "city": "Lyon",
    "latitude": 45.764,
    "longitude": 4.8357,
    "time_zone": "Europe/Paris",
}


def test_a_slug_from_a_name():
    assert slug_from_name("La Fabrique Test") == "la-fabrique-test"
    assert slug_from_name("L'Atelier d'Écully — Café") == "l-atelier-d-ecully-cafe"
    assert slug_from_name("!!!") == "lieu"


async def test_the_first_lieu_is_the_installation_s_own(client):
    lieux = (await client.get("/api/v1/lieux")).json()
    assert lieux == [
        {
            "slug": "la-fabrique-test",  # EXCHANGE_LIEU_NAME in conftest
            "name": "La Fabrique Test",
            "city": "",
            "latitude": None,
            "longitude": None,
            "time_zone": "Europe/Paris",
            "shares_with_network": True,
            "language": "fr",
        }
    ]
    workshops = (await client.get("/api/v1/workshops")).json()
    assert {w["slug"]: w["lieu"] for w in workshops} == {"bois": "la-fabrique-test", "metal": "la-fabrique-test"}


async def test_only_a_network_coordinator_adds_a_lieu(client, lieu):
    assert (await client.post("/api/v1/lieux", json=LYON)).status_code == 401
    assert (await client.post("/api/v1/lieux", json=LYON, headers=auth(lieu, "coordinator"))).status_code == 403
    network = auth(lieu, "network")
    for bad, field in (
        ({**LYON, "time_zone": "Mars/Olympus"}, "time_zone"),
        ({**LYON, "slug": "Fablab Lyon"}, "slug"),
        ({**LYON, "latitude": 95.0}, "latitude"),
        ({**LYON, "longitude": None}, "latitude"),
    ):
        answer = await client.post("/api/v1/lieux", json=bad, headers=network)
        assert answer.status_code == 422 and field in answer.text, (bad, answer.text)
    assert await Lieu.count() == 1  # nothing written
    answer = await client.post("/api/v1/lieux", json=LYON, headers=network)
    assert answer.status_code == 201 and answer.json() == {**LYON, "shares_with_network": True, "language": "fr"}
    wrong = await client.post("/api/v1/lieux", json={**LYON, "slug": "x", "language": "de"}, headers=network)
    assert wrong.status_code == 422 and "language" in wrong.text
    again = await client.post("/api/v1/lieux", json=LYON, headers=network)
    assert again.status_code == 422 and "already exists" in again.text
    assert [r["slug"] for r in (await client.get("/api/v1/lieux")).json()] == ["la-fabrique-test", "fablab-lyon"]


async def test_a_workshop_belongs_to_a_lieu_its_coordinator_runs(client, lieu):
    network = auth(lieu, "network")
    assert (await client.post("/api/v1/lieux", json=LYON, headers=network)).status_code == 201
    # the coordinator of the first lieu: their own lieu by default, not another's
    mine = await client.post(
        "/api/v1/workshops", json={"slug": "textile", "name": "Textile"}, headers=auth(lieu, "coordinator")
    )
    assert mine.status_code == 201 and mine.json() == {"slug": "textile", "name": "Textile", "lieu": "la-fabrique-test"}
    theirs = await client.post(
        "/api/v1/workshops",
        json={"slug": "bois-lyon", "name": "Bois", "lieu": "fablab-lyon"},
        headers=auth(lieu, "coordinator"),
    )
    assert theirs.status_code == 403
    unknown = await client.post(
        "/api/v1/workshops", json={"slug": "x", "name": "X", "lieu": "nowhere"}, headers=network
    )
    assert unknown.status_code == 422 and "nowhere" in unknown.text
    added = await client.post(
        "/api/v1/workshops", json={"slug": "bois-lyon", "name": "Bois", "lieu": "fablab-lyon"}, headers=network
    )
    assert added.status_code == 201 and added.json()["lieu"] == "fablab-lyon"
    # a coordinator appointed in Lyon adds there by default
    claire = await add_member(
        "claire@lyon.example", "Claire", Role.coordinator, PASSWORD, lieu=await lieu_id("fablab-lyon")
    )
    token = await issue_token(await actor_of_member(claire))
    own = await client.post(
        "/api/v1/workshops", json={"slug": "metal-lyon", "name": "Métal"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert own.status_code == 201 and own.json()["lieu"] == "fablab-lyon"
    lyon = (await client.get("/api/v1/workshops?lieu=fablab-lyon")).json()
    assert sorted(w["slug"] for w in lyon) == ["bois-lyon", "metal-lyon"]
    assert await Workshop.count().where(Workshop.lieu.is_null()) == 0


async def test_the_command_line_adds_lieux_and_their_members(lieu):
    added = exchange(
        lieu.url, "lieu", "add", "repair-grenoble", "--name", "Repair Café", "--city", "Grenoble",
        "--lat", "45.1885", "--lon", "5.7245",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    reunion = exchange(
        lieu.url, "lieu", "add", "ressourcerie-974", "--name", "Ressourcerie", "--city", "Saint-Denis",
        "--lat", "-20.88", "--lon", "55.45", "--timezone", "Indian/Reunion", "--language", "en",
    )  # fmt: skip
    assert reunion.returncode == 0, reunion.stderr
    row = await Lieu.select().where(Lieu.slug == "ressourcerie-974").first()
    assert (row["time_zone"], row["latitude"], row["city"]) == ("Indian/Reunion", -20.88, "Saint-Denis")
    assert row["language"] == "en"  # its labels name categories in English
    assert (await Lieu.select(Lieu.language).where(Lieu.slug == "repair-grenoble").first())["language"] == "fr"
    bad = exchange(
        lieu.url,
        "lieu",
        "add",
        "x",
        "--name",
        "X",
        "--city",
        "Y",
        "--lat",
        "1",
        "--lon",
        "1",
        "--timezone",
        "Nowhere/Land",
    )
    assert bad.returncode == 1 and "time zone" in bad.stderr
    user = exchange(
        lieu.url, "user", "add", "karim@grenoble.example", "--name", "Karim", "--role", "steward",
        "--lieu", "repair-grenoble", stdin="long enough password\n",
    )  # fmt: skip
    assert user.returncode == 0, user.stderr
    network = exchange(
        lieu.url, "user", "add", "region@network.example", "--name", "Région", "--role", "network",
        stdin="long enough password\n",
    )  # fmt: skip
    assert network.returncode == 0, network.stderr
    karim = await actor_of_member(
        (await Member.select(Member.id).where(Member.email == "karim@grenoble.example").first())["id"]
    )
    assert karim.roles == ((await lieu_id("repair-grenoble"), Role.steward),) and not karim.network
    region = await actor_of_member(
        (await Member.select(Member.id).where(Member.email == "region@network.example").first())["id"]
    )
    assert region.network and region.roles == ()


async def test_the_network_page_adds_a_lieu_and_appoints_its_coordinator(client, lieu):
    csrf = (await client.get("/login")).cookies.get("exchange_csrf") or client.cookies.get("exchange_csrf")
    client.cookies.set("exchange_session", lieu.tokens["coordinator"])
    assert (await client.get("/admin/network")).status_code == 403  # a lieu's coordinator is not the network's
    client.cookies.set("exchange_session", lieu.tokens["network"])
    shown = await client.get("/admin/network", headers={"accept-language": "fr"})
    assert shown.status_code == 200 and "La Fabrique Test" in shown.text and "Ajouter un lieu" in shown.text
    form = {"slug": "fablab-lyon", "name": "Fablab de Lyon", "city": "Lyon", "latitude": "45,764", "longitude": "4.8357",
            "time_zone": "Europe/Paris", "shares_with_network": "on", "language": "en", "_csrf_token": csrf}  # fmt: skip
    bad = await client.post("/admin/network/lieux", data={**form, "latitude": "north"}, headers={"x-csrftoken": csrf})
    assert bad.status_code == 422 and await Lieu.count() == 1
    added = await client.post("/admin/network/lieux", data=form, headers={"x-csrftoken": csrf})
    assert added.status_code == 303
    added_row = await Lieu.select(Lieu.latitude, Lieu.language).where(Lieu.slug == "fablab-lyon").first()
    assert added_row == {"latitude": 45.764, "language": "en"}
    appointed = await client.post(
        "/admin/network/coordinators",
        data={"email": "steward@lieu.example", "lieu": "fablab-lyon", "_csrf_token": csrf},
        headers={"x-csrftoken": csrf},
    )
    assert appointed.status_code == 303
    steward = await actor_of_member(lieu.members["steward"].id)
    assert steward.role_in(await lieu_id("fablab-lyon")) == Role.coordinator
    assert steward.role_in(await lieu_id("la-fabrique-test")) == Role.steward  # kept at home
