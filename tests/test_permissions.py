"""Every route of the app, API and pages, for anonymous, member, steward and coordinator of two
lieux and the network coordinator, against the one table of permissions in
exchange/auth/permissions.py."""

from __future__ import annotations

import io
import re

from conftest import auth
from network_support import LYON, other_lieu
from PIL import Image

from exchange.app import create_app
from exchange.auth.permissions import ANYONE, IN_ITEM_LIEU, NETWORK, PERMISSIONS
from exchange.auth.service import actor_of_member, issue_token
from exchange.ledger.rules import Role, role_at_least
from exchange.lieu.service import current_factor_set
from exchange.tables import Item

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


# Valid bodies for the item actions, so that a refusal is the role's and not the body's.
BODIES = {
    "/api/v1/items": PLANK,
    "/api/v1/items/{code}/move": {"workshop": "metal"},
    "/api/v1/categories/{slug}/factors": {"kind": "reuse", "value": 0.7, "source": "Étude du réseau"},
    "/api/v1/items/{code}/transfer": {"workshop": "lyon-bois"},
    "/api/v1/items/{code}/adjust": {"note": "mesuré", "title": "Panneau mesuré"},
    "/api/v1/items/{code}/split": {"pieces": [{"length_mm": 300, "width_mm": 200, "thickness_mm": 18}]},
    "/api/v1/items/{code}/use-part": {
        "used": {"length_mm": 300, "width_mm": 200, "thickness_mm": 18},
        "rest": [{"length_mm": 400, "width_mm": 400, "thickness_mm": 18}],
    },
}


FORM = {k: str(v) for k, v in PLANK.items()}  # the intake page's form


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (180, 140, 90)).save(out, "PNG")
    return out.getvalue()


PNG = _png()


# The factor set is every lieu's: on a network, the factors' service refuses a lieu's coordinator
# its change (on a single lieu, its coordinator makes it: tests/test_figures_api.py).
NETWORK_WIDE = {("POST", "/api/v1/categories/{slug}/factors"), ("POST", "/figures/methodology/factors")}


def expected(identity: tuple[str, str] | None, route: tuple[str, str]) -> str:
    """What the table says for an identity ((lieu, role) or None): "yes", "login" or "no".

    Identities of the second lieu act on the first lieu's items as members (it shares with the
    network); the network coordinator acts on no item, and passes the routes of a coordinator."""
    minimum = PERMISSIONS[route]
    if minimum is ANYONE:
        return "yes"
    if identity is None:
        return "login"
    where, role = identity
    if minimum == NETWORK:
        return "yes" if role == "network" else "no"
    if role == "network":
        return "no" if route in IN_ITEM_LIEU else "yes"
    if route in NETWORK_WIDE:  # the walk runs on a network of two lieux
        return "no"
    if where == "lyon" and route in IN_ITEM_LIEU:
        role = "member"
    return "yes" if role_at_least(Role(role), minimum) else "no"


async def test_every_route_answers_each_role_in_two_lieux_as_the_table_says(client, lieu):
    steward = auth(lieu, "steward")
    lyon = await other_lieu(LYON, "lyon-bois")
    ids = {("home", role): lieu.members[role].id for role in ("member", "steward", "coordinator", "network")}
    ids |= {("lyon", role): lyon.ids[role] for role in ("member", "steward", "coordinator")}
    identities: list[tuple[str, str] | None] = [None, *ids]
    batch = (await client.post("/api/v1/labels/batch", json={"count": 1}, headers=steward)).json()["batch"]
    version = (await current_factor_set())["version"]
    csrf = (await client.get("/login")).cookies.get("exchange_csrf") or client.cookies.get("exchange_csrf")
    checked = 0
    for method, template in app_routes():
        for identity in identities:
            code = None
            if "{code}" in template:
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
            if identity is not None:
                token = await issue_token(await actor_of_member(ids[identity]))  # fresh: a logout revokes only this one
                if template.startswith("/api/"):
                    headers["Authorization"] = f"Bearer {token}"
                else:
                    cookies["exchange_session"] = token
            client.cookies.clear()
            for name, value in cookies.items():
                client.cookies.set(name, value)
            body = BODIES.get(template) if method == "POST" else None
            files = {"file": ("plank.png", PNG, "image/png")} if template.endswith("/photos") else None
            form = {**FORM, "_csrf_token": csrf} if (method, template) == ("POST", "/items/new") else None
            response = await client.request(
                method, path, headers=headers, json=body, data=form, files=files, follow_redirects=False
            )
            label = f"{method} {path} as {identity or 'anonymous'} -> {response.status_code} {response.text[:200]}"
            outcome = expected(identity, (method, template))
            if outcome == "yes":
                assert response.status_code not in (401, 403), label
            elif identity is None and template.startswith("/api/"):
                assert response.status_code == 401, label
            elif identity is None:
                assert response.status_code == 303 and response.headers["location"].startswith("/login"), label
            elif template.startswith("/i/{code}/"):  # a page's action refused: said on the item's page
                assert response.status_code in (303, 403), label
            else:
                assert response.status_code == 403, label
            checked += 1
    print(
        f"\npermission walk on {lieu.name}: {checked} requests over {len(app_routes())} routes, {len(identities)} identities"
    )


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
        + [
            ("POST", f"/api/v1/items/{{code}}/{a}")
            for a in ("move", "transfer", "split", "recycle", "discard", "adjust")
        ]
        + [("POST", "/i/{code}/transfer")]
        + [("GET", "/api/v1/labels.pdf"), ("POST", "/api/v1/labels/batch")],
        Role.coordinator: [
            ("GET", "/api/v1/figures.csv"),
            ("GET", "/figures/report"),
            ("POST", "/api/v1/workshops"),
            ("POST", "/admin/members"),
        ],
    }
    # DESIGN.md, "A network of lieux": the network coordinator reads every lieu's figures, and
    # the network's (its page and its exports) are theirs alone.
    expected[NETWORK] = [("GET", "/figures/network")] + [
        (method, path)
        for method, path in PERMISSIONS
        if path.startswith(("/figures/network/", "/api/v1/figures/network."))
    ]
    assert len(expected[NETWORK]) == 7
    for role, routes in expected.items():
        for route in routes:
            assert PERMISSIONS[route] == role, route
