"""What every request goes through before its route: the actor of a token (cached, and still
refused at once after a logout, a role change or a closed account), the pages' CSRF cookie,
and the access log setting. Their speed is measured in `make bench`, never here."""

from __future__ import annotations

import argparse
import re

from conftest import PASSWORD, auth

from exchange import cli
from exchange.auth.service import Actor, add_member, issue_token, update_member
from exchange.ledger.rules import Role
from exchange.settings import load_settings

PLANK = {"category": "plywood", "title": "Panneau", "workshop": "bois"}


async def test_a_token_stops_working_at_logout_even_when_just_used(client, lieu):
    session = await client.post("/api/v1/session", json={"email": "member@lieu.example", "password": PASSWORD})
    headers = {"Authorization": f"Bearer {session.json()['token']}"}
    assert (await client.get("/api/v1/figures", headers=headers)).status_code == 200  # its actor is kept now
    assert (await client.delete("/api/v1/session", headers=headers)).status_code == 204
    assert (await client.get("/api/v1/figures", headers=headers)).status_code == 401


async def test_a_lowered_role_or_a_closed_account_counts_at_the_next_request(client, lieu):
    email = f"steward-{lieu.name}@edge.example"
    steward_id = await add_member(email, "Steward Edge", Role.steward, PASSWORD)
    headers = {"Authorization": f"Bearer {await issue_token(Actor(steward_id, 'Steward Edge', email, Role.steward))}"}
    assert (await client.post("/api/v1/items", json=PLANK, headers=headers)).status_code == 201
    coordinator = lieu.members[Role.coordinator]
    await update_member(coordinator, steward_id, role=Role.member, active=True)
    assert (await client.post("/api/v1/items", json=PLANK, headers=headers)).status_code == 403
    assert (await client.get("/api/v1/figures", headers=headers)).status_code == 200
    await update_member(coordinator, steward_id, role=Role.member, active=False)
    assert (await client.get("/api/v1/figures", headers=headers)).status_code == 401
    # The coordinator's own token, looked up the same way, still works.
    assert (await client.get("/api/v1/figures", headers=auth(lieu, "coordinator"))).status_code == 200


async def test_pages_hand_out_the_csrf_cookie_that_their_forms_carry(client, lieu):
    first = await client.get("/login")
    set_cookie = first.headers["set-cookie"]
    assert set_cookie.startswith("exchange_csrf=") and "Path=/" in set_cookie and "SameSite=lax" in set_cookie
    assert "Secure" in set_cookie and "HttpOnly" not in set_cookie  # the test base URL is https
    token = client.cookies["exchange_csrf"]
    assert f'name="_csrf_token" value="{token}"' in first.text
    again = await client.get("/login")  # the browser sends it back: no new cookie, the same token
    assert "set-cookie" not in again.headers and f'value="{token}"' in again.text
    for path in ("/healthz", "/api/v1/workshops"):  # no page, no form: no token handed out
        client.cookies.clear()
        assert "set-cookie" not in (await client.get(path)).headers
    forged = await client.post(
        "/login", data={"email": "member@lieu.example", "password": PASSWORD, "_csrf_token": token}
    )
    assert forged.status_code == 403  # the cookie is gone from this client: the form alone is not enough


def test_access_log_is_off_unless_asked(monkeypatch):
    assert load_settings({"EXCHANGE_SECRET": "s" * 40}).access_log is False
    assert load_settings({"EXCHANGE_SECRET": "s" * 40, "EXCHANGE_ACCESS_LOG": "1"}).access_log is True
    ran: dict = {}

    async def no_database(work):
        return None

    monkeypatch.setattr(cli, "_with_database", no_database)
    monkeypatch.setattr("uvicorn.run", lambda *args, **kwargs: ran.update(kwargs))
    for argv, expected in ((["serve"], False), (["serve", "--access-log"], True)):
        args = cli.build_parser().parse_args(argv)
        assert isinstance(args, argparse.Namespace)
        cli.cmd_serve(args)
        assert ran["access_log"] is expected


async def test_a_kept_item_page_gives_each_viewer_their_own_page_token_and_keys(client, lieu):
    code = (await client.post("/api/v1/items", json=PLANK, headers=auth(lieu, "steward"))).json()["code"]
    client.cookies.set("exchange_session", lieu.tokens[Role.member])
    first, second = (await client.get(f"/i/{code}")).text, (await client.get(f"/i/{code}")).text
    token = client.cookies["exchange_csrf"]
    assert f'name="_csrf_token" value="{token}"' in second and 'title="member@lieu.example"' in second
    keys = [re.findall(r'name="_idem" value="([^"]+)"', page) for page in (first, second)]
    assert keys[0] and len(keys[0]) == len(keys[1]) and not set(keys[0]) & set(keys[1])  # new keys each time
    reserve_key = re.search(r'action="[^"]*/reserve".*?name="_idem" value="([^"]+)"', second, re.S).group(1)
    reserved = await client.post(f"/i/{code}/reserve", data={"_csrf_token": token, "_idem": reserve_key})
    assert reserved.status_code == 303
    client.cookies.delete("exchange_flash")
    after = (await client.get(f"/i/{code}")).text
    assert 'action="/i/' + code + '/release"' in after  # the item's new state, not the kept page
    client.cookies.set("exchange_session", lieu.tokens["other"])
    other = (await client.get(f"/i/{code}")).text
    assert 'title="other@lieu.example"' in other and 'title="member@lieu.example"' not in other
    assert 'action="/i/' + code + '/release"' not in other  # not theirs to release
