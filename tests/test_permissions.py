"""Every route of the app, API and pages, for anonymous, member, steward and coordinator,
against the one table of permissions in exchange/auth/permissions.py."""

from __future__ import annotations

import re

from conftest import auth

from exchange.app import create_app
from exchange.auth.permissions import ANYONE, NETWORK, PERMISSIONS
from exchange.auth.service import issue_token
from exchange.ledger.rules import Role, role_at_least
from exchange.lieu.service import current_factor_set
from exchange.tables import Item

IDENTITIES = [None, Role.member, Role.steward, Role.coordinator]
PLANK = {
    "category": "plywood",
    "title": "Panneau",
    "workshop": "bois",
    "length_mm": 800,
    "width_mm": 400,
    "thickness_mm": 18,
}


def app_routes() -> list[tuple[str, str]]:
    app = create_app(Item._meta.db)  # the engine the tables are bound to now
    return sorted(
        {
            (m, route.path_format)
            for route in app.routes
            for h in route.route_handlers
            for m in h.http_methods
            if m != "OPTIONS"
        }
    )


def test_the_table_names_every_route_and_only_routes():
    routes = set(app_routes())
    assert sorted(routes - PERMISSIONS.keys()) == []  # a route nobody thought about
    assert sorted(PERMISSIONS.keys() - routes) == []  # a permission for a route that is gone


async def test_every_route_answers_each_role_as_the_table_says(client, lieu):
    steward = auth(lieu, "steward")
    batch = (await client.post("/api/v1/labels/batch", json={"count": 1}, headers=steward)).json()["batch"]
    version = (await current_factor_set())["version"]
    csrf = (await client.get("/login")).cookies.get("exchange_csrf") or client.cookies.get("exchange_csrf")
    checked = 0
    for method, template in app_routes():
        minimum = PERMISSIONS[(method, template)]
        for role in IDENTITIES:
            code = (await client.post("/api/v1/items", json=PLANK, headers=steward)).json()["code"]
            values = {
                "code": code,
                "slug": "plywood",
                "version": version,
                "batch": batch,
                "lang": "en",
                "file_path": "css/app.css",
                "name": "none.jpg",
                "member_id": str(lieu.members["other"].id),
                "action": "reserve",
                "path": "nothing",
            }
            path = re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], template)
            headers = {"x-csrftoken": csrf}
            cookies = {"exchange_csrf": csrf}
            if role is not None:
                token = await issue_token(lieu.members[role.value])  # fresh: a logout revokes only this one
                if template.startswith("/api/"):
                    headers["Authorization"] = f"Bearer {token}"
                else:
                    cookies["exchange_session"] = token
            client.cookies.clear()
            for name, value in cookies.items():
                client.cookies.set(name, value)
            response = await client.request(method, path, headers=headers, follow_redirects=False)
            label = f"{method} {path} as {role or 'anonymous'} -> {response.status_code}"
            if minimum is ANYONE or (role is not None and minimum != NETWORK and role_at_least(role, minimum)):
                assert response.status_code not in (401, 403), label
            elif role is None and template.startswith("/api/"):
                assert response.status_code == 401, label
            elif role is None:
                assert response.status_code == 303 and response.headers["location"].startswith("/login"), label
            else:
                assert response.status_code == 403, label
            checked += 1
    print(f"\npermission walk on {lieu.name}: {checked} requests over {len(app_routes())} routes and 4 identities")


async def test_nobody_edits_or_deletes_an_event(client, lieu):
    """The ledger is append-only: no route of any method touches an event by itself."""
    for method, template in app_routes():
        assert "events" not in template or method == "GET", (method, template)
    code = (await client.post("/api/v1/items", json=PLANK, headers=auth(lieu, "coordinator"))).json()["code"]
    for method in ("PUT", "PATCH", "DELETE", "POST"):
        response = await client.request(method, f"/api/v1/items/{code}/events", headers=auth(lieu, "coordinator"))
        assert response.status_code == 405, (method, response.status_code)


def test_the_table_says_what_the_design_says():
    """DESIGN.md, Roles: reading is open; members reserve, release and use; stewards log in,
    move, cut, recycle, discard, adjust and print sheets; coordinators export and administer."""
    expected = {
        ANYONE: [
            ("GET", "/api/v1/items"),
            ("GET", "/api/v1/items/{code}"),
            ("GET", "/api/v1/items/{code}/events"),
            ("GET", "/api/v1/items/{code}/label.png"),
            ("GET", "/api/v1/categories"),
            ("GET", "/api/v1/workshops"),
            ("GET", "/i/{code}"),
        ],
        Role.member: [("POST", f"/api/v1/items/{{code}}/{a}") for a in ("reserve", "release", "use")]
        + [("GET", "/api/v1/figures")],
        Role.steward: [("POST", "/api/v1/items")]
        + [("POST", f"/api/v1/items/{{code}}/{a}") for a in ("move", "split", "recycle", "discard", "adjust")]
        + [("GET", "/api/v1/labels.pdf"), ("POST", "/api/v1/labels/batch")],
        Role.coordinator: [
            ("GET", "/api/v1/figures.csv"),
            ("GET", "/figures/report"),
            ("POST", "/api/v1/workshops"),
            ("POST", "/admin/members"),
        ],
    }
    for role, routes in expected.items():
        for route in routes:
            assert PERMISSIONS[route] == role, route
